import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { DemoClock, DEMO_CLOCK } from '../src/demo-month/index.js';
import { DEMO_CREATORS, DEMO_PASSWORD, DEMO_READER, demoBlogOrigin } from '../src/demo-sites/index.js';
import { runs } from '../src/distribution/index.js';
import { manualProvider, recordDeposit } from '../src/deposits/index.js';
import { accounts, balanceOf, JOURNAL, periodEnd, periodOf, type JournalEntry } from '../src/money/index.js';
import { seedDemo } from '../src/seed/index.js';
import { startServer } from '../src/server.js';
import { thingIdFor } from '../src/things/index.js';
import { MutableClock, startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { figureOf, hiddenField, PageBrowser } from './helpers/pages.js';

/** GET on this server as if the browser had asked for `host` (how `ada.localhost:<port>` reaches it). */
function getAs(server: TestServer, host: string, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    http.get({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

describe('the demo: seeded people and blogs, and "end the month now"', () => {
  let server: TestServer;
  let api: TestClient;

  before(async () => {
    server = await startTestServer({ env: { DEMO_MODE: 'true', DEMO_TOPUP: 'true', ADMIN_EMAILS: 'admin@example.test' } });
    api = testClient(server.url);
    server.clock.set('2026-11-20T12:00:00Z');
    assert.equal((await seedDemo(server.ctx, server.url)).seeded, true);
  });
  after(async () => { await server.close(); });

  async function fingerprint(): Promise<string> {
    const hash = createHash('sha256');
    for (const { name } of await server.db.listCollections().toArray()) {
      for (const doc of await server.db.collection(name).find({}).sort({ _id: 1 }).toArray()) hash.update(name + JSON.stringify(doc));
    }
    return hash.digest('hex');
  }

  it('seeds a reader with play money and a budget, and two creators whose blogs were verified for real', async () => {
    const login = await api.post('/v1/auth/login', { email: DEMO_READER.email, password: DEMO_PASSWORD });
    assert.equal(login.status, 200);
    const reader = login.body.user;
    assert.equal(reader.budget, 1000);
    assert.equal(await balanceOf(server.db, accounts.user(reader.id)), 5000);
    const deposit = await server.db.collection<JournalEntry>(JOURNAL).findOne({ _id: 'deposit:demo:demo-seed-reader' });
    assert.equal(deposit?.meta?.demo, true, 'marked as play money');
    for (const creator of DEMO_CREATORS) {
      const user = await server.db.collection('users').findOne({ email: creator.email });
      assert.ok(user?.roles.includes('creator'), `${creator.email} is a creator`);
      const origin = demoBlogOrigin(creator, server.url);
      const site = await server.db.collection('sites').findOne({ userId: user!._id });
      assert.equal(site?.origin, origin);
      assert.equal(site?.method, 'well-known', 'verified by fetching the proof');
      for (const post of creator.posts) {
        const thing = await server.db.collection('things').findOne({ _id: thingIdFor(`${origin}/posts/${post.slug}`) });
        assert.ok(thing?.ownerId?.equals(user!._id), `${post.slug} is ${creator.handle}'s`);
      }
      const host = new URL(origin).host;
      const proof = await getAs(server, host, '/.well-known/flattr');
      assert.equal(proof.text, `${user!._id.toHexString()}\n`);
      const blog = await getAs(server, host, '/');
      assert.match(blog.text, new RegExp(`<meta name="flattr:owner" content="${user!._id.toHexString()}">`));
      assert.equal((blog.text.match(/<flattr-button /g) ?? []).length, creator.posts.length);
    }
  });

  it('has blogs as issue 13 asks of a blog: each post\'s plain Flattr link (rel="payment", and inside its button for readers without scripts) and an Atom feed, which discovery reads', async () => {
    const login = await api.post('/v1/auth/login', { email: DEMO_READER.email, password: DEMO_PASSWORD });
    const discover = (url: string) => api.post('/v1/things/discover', { url }, { token: login.body.accessToken });
    for (const creator of DEMO_CREATORS) {
      const origin = demoBlogOrigin(creator, server.url);
      const host = new URL(origin).host;
      const posts = creator.posts.map((p) => ({ url: `${origin}/posts/${p.slug}`, title: p.title }));
      const plainLink = (post: { url: string; title: string }) => `${server.url}/flattr?${new URLSearchParams({ url: post.url, title: post.title, creator: creator.handle })}`;
      const blog = await getAs(server, host, '/');
      assert.ok(blog.text.includes(`<link rel="alternate" type="application/atom+xml" href="${origin}/feed.atom"`), 'the feed is announced');
      for (const post of posts) {
        assert.ok(blog.text.includes(`<a rel="payment" href="${plainLink(post).replace(/&/g, '&amp;')}">`), `${post.url}: a plain link inside its button`);
        const page = await getAs(server, host, new URL(post.url).pathname);
        assert.ok(page.text.includes(`<link rel="payment" href="${plainLink(post).replace(/&/g, '&amp;')}">`), `${post.url}: rel=payment in the head`);
      }
      const feed = await getAs(server, host, '/feed.atom');
      assert.equal(feed.status, 200);
      assert.match(feed.text, /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
      const found = await discover(`${origin}/feed.atom`);
      assert.equal(found.status, 200, found.text);
      assert.deepEqual(found.body.things.map((t: Record<string, unknown>) => [t.url, t.title, t.creator, t.source, t.flattrUrl]),
        posts.map((p) => [p.url, p.title, creator.handle, 'atom-link', plainLink(p)]));
      const onPage = await discover(posts[1]!.url);
      assert.deepEqual(onPage.body.things.map((t: Record<string, unknown>) => [t.url, t.source]), [[posts[1]!.url, 'html-link']]);
      // The things are the seeded ones (discovery reads their counts).
      assert.ok(found.body.things.every((t: { thingId: string | null }) => typeof t.thingId === 'string'));
    }
  });

  it('seeds once: a restart writes nothing', async () => {
    const before = await fingerprint();
    assert.equal((await seedDemo(server.ctx, server.url)).seeded, false);
    assert.equal(await fingerprint(), before);
  });

  it('ends the month: the clock moves to the next month\'s first instant, the journal says so, the real run distributes it', async () => {
    const reader = (await api.post('/v1/auth/login', { email: DEMO_READER.email, password: DEMO_PASSWORD })).body;
    const ada = DEMO_CREATORS[0]!;
    const thingId = thingIdFor(`${demoBlogOrigin(ada, server.url)}/posts/${ada.posts[0]!.slug}`).toHexString();
    assert.equal((await api.post('/v1/flattrs', { thingId }, { token: reader.accessToken })).status, 201);
    const browser = new PageBrowser(server.url);
    await browser.logIn(DEMO_READER.email, DEMO_PASSWORD);
    const page = await browser.get('/account');
    assert.match(page.text, /End November 2026 now/);
    const form = { _csrf: hiddenField(page.text, '_csrf'), period: hiddenField(page.text, 'period'), back: '/account' };
    assert.equal(form.period, '2026-11');

    const realBefore = Date.now();
    const ended = await browser.postForm('/demo/end-month', form);
    assert.equal(ended.status, 303);
    assert.equal(ended.headers.get('location'), '/account?done=month-ended');
    const clock = server.ctx.clock as DemoClock;
    assert.ok(clock instanceof DemoClock);
    assert.equal(periodOf(clock.now()), '2026-12');
    assert.ok(clock.now().getTime() - periodEnd('2026-11').getTime() < 5000, 'just past the end of November');
    const stored = await server.db.collection(DEMO_CLOCK).findOne({ _id: 'clock' as never });
    assert.equal(stored?.offsetMs, clock.offsetMs);

    const entry = await server.db.collection<JournalEntry>(JOURNAL).findOne({ _id: 'demo.clock:2026-11' });
    assert.ok(entry);
    assert.deepEqual(entry.postings, []);
    assert.equal(entry.kind, 'demo.clock');
    assert.ok(entry.createdAt.getTime() >= realBefore - 1000 && entry.createdAt.getTime() <= Date.now() + 1000, 'the entry carries the real time');
    assert.equal(entry.meta?.demoNow, periodEnd('2026-11').toISOString());

    const run = await runs(server.db).findOne({ _id: '2026-11' });
    assert.equal(run?.status, 'done');
    assert.equal(run?.ledgerAfter?.ok, true);
    const after = await browser.get('/account?done=month-ended');
    assert.equal(figureOf(after.text, 'contribution-2026-11'), 1000);
    assert.equal(figureOf(after.text, 'available'), 4000);
    assert.match(after.text, /This month: December 2026/);

    // The same form again (double click, reload): November is over already; the clock stays.
    const offset = clock.offsetMs;
    assert.equal((await browser.postForm('/demo/end-month', form)).status, 303);
    assert.equal(clock.offsetMs, offset);
    assert.equal(await server.db.collection<JournalEntry>(JOURNAL).countDocuments({ kind: 'demo.clock' }), 1);
  });

  it('keeps the moved clock across a restart (the offset is in the database)', async () => {
    const base = new MutableClock();
    base.set(server.clock.now());
    const restarted = await startServer({ config: { ...server.config, port: 0 }, clock: base, log: { info() {}, warn() {}, error() {} } });
    try {
      assert.equal(periodOf(restarted.ctx.clock.now()), '2026-12');
    } finally {
      await restarted.close();
    }
  });

  it('shows the guide with the accounts and the creators\' blogs', async () => {
    const res = await fetch(`${server.url}/welcome`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.includes(DEMO_PASSWORD));
    for (const creator of DEMO_CREATORS) assert.ok(text.includes(`${demoBlogOrigin(creator, server.url)}/`));
  });
});

describe('outside demo mode', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('has no end-month, no guide and no demo blogs; the clock is the real one', async () => {
    const browser = new PageBrowser(server.url);
    const user = (await testClient(server.url).post('/v1/auth/signup', { email: 'nodemo@example.test', password: 'a long enough password' })).body.user;
    await browser.logIn('nodemo@example.test', 'a long enough password');
    const page = await browser.get('/account');
    assert.doesNotMatch(page.text, /end-month|demo-banner/);
    const res = await browser.postForm('/demo/end-month', { _csrf: hiddenField(page.text, '_csrf'), period: periodOf(new Date()) });
    assert.equal(res.status, 404);
    assert.match(res.text, /data-code="demo_only"/);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ kind: 'demo.clock' }), 0);
    assert.equal((await fetch(`${server.url}/welcome`)).status, 404);
    assert.equal((await getAs(server, `ada.localhost:${new URL(server.url).port}`, '/.well-known/flattr')).status, 404);
    assert.ok(!(server.ctx.clock instanceof DemoClock));
    assert.ok(new ObjectId(user.id));
  });
});

describe('the demo with mail to the development outbox, as npm start runs it', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { DEMO_MODE: 'true', DEMO_TOPUP: 'true', DEV_MAIL_OUTBOX: 'true', ADMIN_EMAILS: 'admin@example.test' } });
    server.clock.set('2026-11-20T12:00:00Z');
    await seedDemo(server.ctx, server.url);
  });
  after(async () => { await server.close(); });

  it('counts the demo people\'s addresses as confirmed, so a demo creator can take money out (example.test gets no mail)', async () => {
    assert.equal(server.ctx.config.emailVerificationRequired, true, 'npm start requires confirmed addresses');
    const api = testClient(server.url);
    const [ada] = DEMO_CREATORS;
    const login = await api.post('/v1/auth/login', { email: ada!.email, password: DEMO_PASSWORD });
    assert.equal(login.body.user.emailVerified, true);
    await recordDeposit(server.ctx, manualProvider, { userId: login.body.user.id, amount: 300, reference: 'demo-outbox-earnings' });
    const payout = await api.post('/v1/me/payouts', { amount: 300 }, { token: login.body.accessToken });
    assert.equal(payout.status, 201, payout.text);
    const browser = new PageBrowser(server.url);
    await browser.logIn(DEMO_READER.email, DEMO_PASSWORD);
    assert.doesNotMatch((await browser.get('/account')).text, /id="email"/, 'no "confirm your address" card');
  });
});
