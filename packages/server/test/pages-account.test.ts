import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeShares, distributePeriod } from '../src/distribution/index.js';
import { accounts, balanceOf, JOURNAL, type JournalEntry } from '../src/money/index.js';
import { recordDeposit, manualProvider } from '../src/deposits/index.js';
import { startTestServer, signup, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { cellAmount, figureOf, hiddenField, loggedIn, rowOf, verifiedCreator, type VerifiedCreator } from './helpers/pages.js';

describe('the reader\'s dashboard (/account)', () => {
  let server: TestServer;
  let api: TestClient;
  let creator: VerifiedCreator;

  before(async () => {
    server = await startTestServer({ env: { DEMO_TOPUP: 'true', FEE_BPS: '1000' } });
    api = testClient(server.url);
    server.clock.set('2026-03-10T10:00:00Z');
    creator = await verifiedCreator(server, api);
  });
  after(async () => {
    await creator?.site.close();
    await server.close();
  });

  const deposit = (userId: string, amount: number, reference: string) =>
    recordDeposit(server.ctx, manualProvider, { userId, amount, reference });

  it('sends a visitor without a session to the login page, coming back afterwards', async () => {
    const res = await fetch(`${server.url}/account`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/login?next=%2Faccount');
  });

  it('shows each flattr with exactly the share the distribution then gives it', async () => {
    const { user, browser } = await loggedIn(server, api);
    await deposit(user.id, 1000, `shares-${user.id}`);
    await api.patch('/v1/me', { budget: 700 }, { token: user.token });
    const owned1 = await creator.thing(`/a-${user.id}`, 'Owned one');
    const owned2 = await creator.thing(`/b-${user.id}`, 'Owned two');
    const unowned = (await api.post('/v1/things', { url: `https://nobody.example/${user.id}`, title: 'Nobody\'s' }, { token: user.token })).body.id;
    for (const thingId of [owned1, owned2, unowned]) {
      assert.equal((await api.post('/v1/flattrs', { thingId }, { token: user.token })).status, 201);
    }

    const page = await browser.get('/account');
    assert.equal(page.status, 200);
    assert.equal(figureOf(page.text, 'available'), await balanceOf(server.db, accounts.user(user.id)));
    assert.equal(figureOf(page.text, 'budget'), 700);
    assert.equal(figureOf(page.text, 'contribution'), 700);
    const shown = new Map([owned1, owned2, unowned].map((id) => [id, cellAmount(rowOf(page.text, 'data-thing', id), 'share')]));
    assert.equal([...shown.values()].reduce((s, v) => s! + v!, 0), 700);
    assert.match(rowOf(page.text, 'data-thing', unowned), /waits in escrow/);

    server.clock.set('2026-04-01T00:00:01Z');
    const outcome = await distributePeriod(server.ctx, '2026-03');
    assert.equal(outcome.run?.status, 'done');
    const entry = await server.db.collection<JournalEntry>(JOURNAL).findOne({ _id: `dist:2026-03:${user.id}` });
    assert.ok(entry, 'the reader has a distribution entry');
    const given = new Map(decodeShares(entry.meta!.shares).map((s) => [s.thingId, s.amount]));
    assert.deepEqual(shown, given, 'the page showed the shares the run gave');
    // March is final now: the other tests click in April.
    server.clock.set('2026-04-10T10:00:00Z');
  });

  it('tops up with the demo provider once per form, and refuses bad amounts and unknown providers', async () => {
    const { user, browser } = await loggedIn(server, api);
    const page = await browser.get('/account');
    const form = { _csrf: hiddenField(page.text, '_csrf'), reference: hiddenField(page.text, 'reference'), provider: 'demo', amount: '12,50' };
    const first = await browser.postForm('/account/top-up', form);
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/account?done=topup');
    assert.equal((await browser.postForm('/account/top-up', form)).status, 303, 'the same form again');
    assert.equal(await balanceOf(server.db, accounts.user(user.id)), 1250, 'credited once');
    for (const [field, value, status] of [['amount', '100.01', 400], ['amount', '-5', 400], ['amount', 'ten', 400], ['provider', 'manual', 400], ['provider', 'stripe', 400]] as const) {
      const res = await browser.postForm('/account/top-up', { ...form, reference: hiddenField((await browser.get('/account')).text, 'reference'), [field]: value });
      assert.equal(res.status, status, `${field}=${value}`);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    }
    assert.equal(await balanceOf(server.db, accounts.user(user.id)), 1250, 'nothing more credited');
    const shown = await browser.get('/account?done=topup');
    assert.equal(figureOf(shown.text, 'available'), 1250);
    assert.match(shown.text, /Your account was topped up/);
  });

  it('offers no demo top-up where the demo provider is off', async () => {
    const other = await startTestServer();
    try {
      const { browser } = await loggedIn(other, testClient(other.url));
      const page = await browser.get('/account');
      assert.doesNotMatch(page.text, /name="provider" value="demo"/);
      assert.match(page.text, /No top-up method is enabled/);
      const res = await browser.postForm('/account/top-up', { _csrf: hiddenField(page.text, '_csrf'), provider: 'demo', amount: '5', reference: 'page-000000000000000000000000' });
      assert.equal(res.status, 400);
    } finally {
      await other.close();
    }
  });

  it('withdraws the reader\'s own flattr; another reader\'s flattr is not found and stays', async () => {
    const { user, browser } = await loggedIn(server, api);
    const other = await signup(api);
    const thingId = await creator.thing(`/w-${user.id}`, 'To withdraw');
    const mine = (await api.post('/v1/flattrs', { thingId }, { token: user.token })).body.id;
    const theirs = (await api.post('/v1/flattrs', { thingId }, { token: other.token })).body.id;
    const page = await browser.get('/account');
    assert.match(page.text, new RegExp(`action="/account/flattrs/${mine}/withdraw"`));
    const csrf = hiddenField(page.text, '_csrf');
    const refused = await browser.postForm(`/account/flattrs/${theirs}/withdraw`, { _csrf: csrf });
    assert.equal(refused.status, 404);
    assert.match(refused.text, /data-code="flattr_not_found"/);
    assert.ok(await server.db.collection('flattrs').findOne({ _id: new (await import('mongodb')).ObjectId(theirs) }));
    const done = await browser.postForm(`/account/flattrs/${mine}/withdraw`, { _csrf: csrf });
    assert.equal(done.headers.get('location'), '/account?done=withdrawn');
    const after = await browser.get('/account?done=withdrawn');
    assert.doesNotMatch(after.text, new RegExp(`data-thing="${thingId}"`));
  });

  it('pauses, resumes and stops a subscription', async () => {
    const { user, browser } = await loggedIn(server, api);
    const thingId = await creator.thing(`/s-${user.id}`, 'Subscribed');
    const sub = (await api.post('/v1/subscriptions', { thingId, months: 3 }, { token: user.token })).body;
    let page = await browser.get('/account');
    const csrf = hiddenField(page.text, '_csrf');
    assert.match(page.text, /active/);
    assert.equal((await browser.postForm(`/account/subscriptions/${sub.id}/pause`, { _csrf: csrf })).headers.get('location'), '/account?done=paused');
    assert.equal((await api.get('/v1/me/subscriptions', { token: user.token })).body.items[0].status, 'paused');
    await browser.postForm(`/account/subscriptions/${sub.id}/resume`, { _csrf: csrf });
    assert.equal((await api.get('/v1/me/subscriptions', { token: user.token })).body.items[0].status, 'active');
    await browser.postForm(`/account/subscriptions/${sub.id}/cancel`, { _csrf: csrf });
    assert.equal((await api.get('/v1/me/subscriptions', { token: user.token })).body.items[0].status, 'cancelled');
    page = await browser.get('/account');
    assert.doesNotMatch(page.text, new RegExp(`/account/subscriptions/${sub.id}/`), 'a stopped subscription has no buttons');
  });

  it('lists past months share by share and every wallet movement, as the journal holds them', async () => {
    server.clock.set('2026-05-10T10:00:00Z');
    const { user, browser } = await loggedIn(server, api);
    await deposit(user.id, 2000, `past-${user.id}`);
    await api.patch('/v1/me', { budget: 900 }, { token: user.token });
    const owned = await creator.thing(`/p-${user.id}`, 'Past owned');
    const unowned = (await api.post('/v1/things', { url: `https://unclaimed.example/${user.id}`, title: 'Unclaimed' }, { token: user.token })).body.id;
    for (const thingId of [owned, unowned]) await api.post('/v1/flattrs', { thingId }, { token: user.token });
    server.clock.set('2026-06-01T00:00:01Z');
    assert.equal((await distributePeriod(server.ctx, '2026-05')).run?.status, 'done');

    const page = await browser.get('/account');
    const entry = (await server.db.collection<JournalEntry>(JOURNAL).findOne({ _id: `dist:2026-05:${user.id}` }))!;
    assert.equal(figureOf(page.text, 'contribution-2026-05'), Number(entry.meta!.contribution));
    assert.match(page.text, /escrow: waits for the owner \(returns to you on /);
    const movements = await server.db.collection<JournalEntry>(JOURNAL).countDocuments({ 'postings.account': accounts.user(user.id) });
    assert.equal((page.text.match(/<tr data-entry="/g) ?? []).length, movements);
    assert.equal(figureOf(page.text, 'available'), await balanceOf(server.db, accounts.user(user.id)));
  });
});
