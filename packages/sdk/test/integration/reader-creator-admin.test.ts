/*
 * The whole money path against the real server and database, through the
 * SDK only: a creator proves a site and registers a thing, an admin credits a
 * reader, the reader flattrs, withdraws and flattrs again, the period ends,
 * the admin distributes it and the creator sees the earnings.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@flattr/server/testing';
import { FlattrClient, FlattrError } from '../../src/index.js';

const NOVEMBER = new Date('2026-11-10T12:00:00Z');
const PERIOD = '2026-11';
const password = 'correct horse battery staple';

let server: TestServer;
let site: Server;
let siteOrigin: string;
/** What the stand-in blog serves at /.well-known/flattr. */
let wellKnown = '';

before(async () => {
  server = await startTestServer();
  server.clock.set(NOVEMBER);
  site = createServer((req, res) => {
    if (req.url === '/.well-known/flattr') res.writeHead(200, { 'content-type': 'text/plain' }).end(wellKnown);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Blog</title>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});

after(async () => {
  site?.closeAllConnections();
  site?.close();
  await server?.close();
});

const client = () => new FlattrClient({ baseUrl: server.url, timeoutMs: 20_000 });
const unique = (name: string) => `${name}-${Math.random().toString(36).slice(2, 10)}@example.test`;

describe('reader, creator and admin through the SDK', () => {
  let creator: FlattrClient;
  let reader: FlattrClient;
  let admin: FlattrClient;
  before(() => {
    [creator, reader, admin] = [client(), client(), client()];
  });
  const creatorEmail = unique('creator');
  const readerEmail = unique('reader');
  const adminEmail = unique('admin');
  let creatorId = '';
  let readerId = '';
  let postUrl = '';
  let thingId = '';

  it('signs up a creator, a reader and an admin', async () => {
    // The server makes admins of ADMIN_EMAILS at signup; the test server's config is live.
    server.config.adminEmails.push(adminEmail);
    creatorId = (await creator.auth.signup({ email: creatorEmail, password, name: 'Creator' })).user.id;
    readerId = (await reader.auth.signup({ email: readerEmail, password, name: 'Reader' })).user.id;
    const adminUser = (await admin.auth.signup({ email: adminEmail, password, name: 'Admin' })).user;
    assert.ok(adminUser.roles.includes('admin'));
    assert.deepEqual((await reader.me.get()).roles, ['reader']);
  });

  it('the creator proves the site with /.well-known/flattr', async () => {
    const added = await creator.sites.add({ url: siteOrigin });
    assert.equal(added.verifiedAt, null);
    await assert.rejects(creator.sites.verify(added.id), (e: FlattrError) => e.status === 422 && e.code === 'proof_not_found');
    wellKnown = `# owners of this blog\n${creatorId}\n`;
    const verified = await creator.sites.verify(added.id);
    assert.equal(verified.site.method, 'well-known');
    assert.ok((await creator.sites.list()).items.some((s) => s.id === added.id && s.verifiedAt));
  });

  it('the creator registers a post with a personal access token', async () => {
    const pat = await creator.tokens.create({ name: 'blog publisher', scopes: ['read', 'things'] });
    assert.ok(pat.token);
    const publisher = new FlattrClient({ baseUrl: server.url, token: pat.token! });
    postUrl = `${siteOrigin}/posts/hello?utm_source=feed`;
    const thing = await publisher.things.register({ url: postUrl, title: 'Hello', tags: ['intro'] });
    thingId = thing.id;
    assert.equal(thing.ownerId, creatorId);
    assert.equal(thing.url, `${siteOrigin}/posts/hello`);
    assert.equal((await reader.things.getByUrl(postUrl)).id, thingId);
    assert.equal((await reader.things.get(thingId)).title, 'Hello');
    assert.ok((await creator.tokens.list()).items.some((t) => t.id === pat.id));
  });

  it('the admin credits the reader; the reader sets a budget', async () => {
    const deposit = await admin.admin.deposit({ userId: readerId, amount: 1_000, reference: `bank-${readerId}` });
    assert.equal(deposit.amount, 1_000);
    // The same reference again is recorded once.
    await admin.admin.deposit({ userId: readerId, amount: 1_000, reference: `bank-${readerId}` });
    await reader.me.update({ budget: 500 });
    const balance = await reader.balance.get();
    assert.deepEqual([balance.available, balance.budget, balance.period], [1_000, 500, PERIOD]);
  });

  it('the reader flattrs, withdraws and flattrs again', async () => {
    const flattrs: string[] = [];
    reader.on('flattr', ({ flattr, created }) => flattrs.push(`${flattr.thingId}:${created}`));
    const first = await reader.flattrs.create({ url: postUrl, title: 'Hello' });
    assert.equal(first.status, 201);
    assert.equal(first.flattr.period, PERIOD);
    const again = await reader.flattrs.create({ thingId });
    assert.equal(again.status, 200);
    assert.equal(again.flattr.id, first.flattr.id);
    assert.deepEqual(await reader.counts.get(postUrl), { thingId, count: 1 });

    await reader.flattrs.withdraw(first.flattr.id);
    reader.counts.clear();
    assert.equal((await reader.counts.get(postUrl)).count, 0);
    assert.equal((await reader.flattrs.list({ period: PERIOD })).items.length, 0);

    const second = await reader.flattrs.create({ url: postUrl });
    assert.equal(second.status, 201);
    const listed = await reader.flattrs.list({ period: PERIOD });
    assert.deepEqual(listed.items.map((f) => f.thingId), [thingId]);
    assert.deepEqual(flattrs, [`${thingId}:true`, `${thingId}:false`, `${thingId}:true`]);
  });

  it('a creator cannot flattr their own thing', async () => {
    await assert.rejects(creator.flattrs.create({ thingId }), (e: FlattrError) => e.status === 422 && e.code === 'own_thing');
  });

  it('after the period ends, the admin distributes it', async () => {
    server.clock.set(new Date('2026-12-01T00:05:00Z'));
    // Tokens issued in November may have expired on the server's clock: sign in again, as a person would.
    await admin.auth.login({ email: adminEmail, password });
    await admin.admin.distributions.start(PERIOD);
    let run = await admin.admin.distributions.status(PERIOD);
    for (let i = 0; i < 400 && run.status !== 'done' && run.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = await admin.admin.distributions.status(PERIOD);
    }
    assert.equal(run.status, 'done');
  });

  it('the ledger verifies', async () => {
    const report = await admin.admin.ledger.verify();
    assert.deepEqual(report.violations, []);
    assert.equal(report.ok, true);
  });

  it('the creator sees the earnings: the reader\'s budget less the platform fee', async () => {
    await creator.auth.login({ email: creatorEmail, password });
    const earnings = await creator.earnings.get({ period: PERIOD });
    // 500 contributed to one thing; FEE_BPS 1000 takes 50.
    assert.deepEqual(earnings.totals, { gross: 500, fee: 50, net: 450 });
    assert.equal(earnings.periods[0]?.things[0]?.thingId, thingId);
    await reader.auth.login({ email: readerEmail, password });
    assert.equal((await reader.balance.get()).available, 500);
    await assert.rejects(reader.flattrs.withdraw((await reader.flattrs.list({ period: PERIOD })).items[0]!.id),
      (e: FlattrError) => e.status === 409 && e.code === 'period_distributed');
  });
});
