import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { collections } from '../src/db/index.js';
import { decodeShares, distributePeriod } from '../src/distribution/index.js';
import { JOURNAL } from '../src/money/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { coversPeriod, materializeSubscriptions } from '../src/subscriptions/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('subscription coverage', () => {
  const base = { startPeriod: '2026-01', endPeriod: '2026-03', pauses: [], cancelledAt: null };
  it('covers the months from start to end, inclusive', () => {
    assert.deepEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04'].map((p) => coversPeriod(base, p)), [false, true, true, true, false]);
  });
  it('skips a month that is paused at its last instant, not postponing the end', () => {
    const sub = { ...base, pauses: [{ from: new Date('2026-02-10T00:00:00Z'), until: new Date('2026-03-05T00:00:00Z') }] };
    assert.deepEqual(['2026-01', '2026-02', '2026-03', '2026-04'].map((p) => coversPeriod(sub, p)), [true, false, true, false]);
    const resumedInTime = { ...base, pauses: [{ from: new Date('2026-02-10T00:00:00Z'), until: new Date('2026-02-28T23:59:59.999Z') }] };
    assert.equal(coversPeriod(resumedInTime, '2026-02'), true);
    const stillPaused = { ...base, pauses: [{ from: new Date('2026-01-31T23:59:59.999Z'), until: null }] };
    assert.deepEqual(['2026-01', '2026-02', '2026-03'].map((p) => coversPeriod(stillPaused, p)), [false, false, false]);
  });
  it('stops with the month it was cancelled in; months that ended before still count', () => {
    const sub = { ...base, cancelledAt: new Date('2026-02-03T00:00:00Z') };
    assert.deepEqual(['2026-01', '2026-02', '2026-03'].map((p) => coversPeriod(sub, p)), [true, false, false]);
    const cancelledAfterTheMonth = { ...base, cancelledAt: new Date('2026-03-01T00:00:00Z') };
    assert.equal(coversPeriod(cancelledAfterTheMonth, '2026-02'), true);
  });
});

describe('subscriptions API and materializeSubscriptions', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  let reader: TestUser;
  let creator: TestUser;
  const things: Record<string, { id: string; url: string }> = {};

  const login = async (user: TestUser): Promise<TestUser> => {
    const res = await api.post('/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(res.status, 200, res.text);
    return { ...user, token: res.body.accessToken };
  };
  /** Moves the server's clock; tokens live minutes of it, so the users log in again. */
  const moveTo = async (instant: string) => {
    server.clock.set(instant);
    reader = await login(reader);
    creator = await login(creator);
  };
  const thingDoc = (key: string) => collections.things(server.db).findOne({ _id: ObjectId.createFromHexString(things[key]!.id) });
  const flattrOf = (key: string, period: string) => collections.flattrs(server.db).findOne({
    readerId: ObjectId.createFromHexString(reader.id), thingId: ObjectId.createFromHexString(things[key]!.id), period,
  });

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    site = await startProofServer();
    server.clock.set('2026-01-15T12:00:00Z');
    [reader, creator] = [await signup(api), await signup(api)];
    for (const key of ['one', 'two', 'three']) {
      const url = `https://blog.example.net/${key}`;
      const click = await api.post('/v1/flattrs', { url, title: key }, { token: creator.token, headers: { 'Idempotency-Key': `setup-${key}` } });
      assert.equal(click.status, 201, click.text);
      things[key] = { id: click.body.thing.id, url };
    }
    // A thing the creator owns: on a site they verified.
    site.pages.set('/.well-known/flattr', { body: creator.id });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
    assert.equal((await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token })).status, 200);
    const owned = await api.post('/v1/things', { url: `${site.origin}/mine`, title: 'Mine' }, { token: creator.token });
    assert.equal(owned.body.ownerId, creator.id, owned.text);
    things.owned = { id: owned.body.id, url: owned.body.url };
  });
  after(async () => {
    await site.close();
    await server.close();
  });

  let oneSub: string;
  let twoSub: string;

  it('subscribes by thing id for N months from the current one (201)', async () => {
    const res = await api.post('/v1/subscriptions', { thingId: things.one!.id, months: 3 }, { token: reader.token });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.thingId, things.one!.id);
    assert.equal(res.body.months, 3);
    assert.equal(res.body.startPeriod, '2026-01');
    assert.equal(res.body.endPeriod, '2026-03');
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.paused, false);
    assert.equal(res.body.thing.url, things.one!.url);
    oneSub = res.body.id;
  });

  it('subscribes by any spelling of the URL', async () => {
    const res = await api.post('/v1/subscriptions', { url: 'HTTPS://Blog.Example.net/two?utm_source=x#top', months: 6 }, { token: reader.token });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.thingId, things.two!.id);
    twoSub = res.body.id;
  });

  it('refuses a second open subscription to one thing (409), one\'s own thing (422), unknown things (404)', async () => {
    const again = await api.post('/v1/subscriptions', { thingId: things.one!.id, months: 1 }, { token: reader.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'subscription_exists');
    const own = await api.post('/v1/subscriptions', { thingId: things.owned!.id, months: 1 }, { token: creator.token });
    assert.equal(own.status, 422);
    assert.equal(own.body.code, 'own_thing');
    assert.equal((await api.post('/v1/subscriptions', { thingId: new ObjectId().toHexString(), months: 1 }, { token: reader.token })).body.code, 'thing_not_found');
    assert.equal((await api.post('/v1/subscriptions', { url: 'https://nobody.example/x', months: 1 }, { token: reader.token })).body.code, 'thing_not_found');
    assert.equal((await api.post('/v1/subscriptions', { url: 'ftp://x', months: 1 }, { token: reader.token })).body.code, 'invalid_url');
  });

  it('validates the body and needs a caller', async () => {
    for (const body of [
      { thingId: things.three!.id, months: 0 },
      { thingId: things.three!.id, months: 25 },
      { thingId: things.three!.id, months: 1.5 },
      { thingId: things.three!.id },
      { months: 2 },
      { thingId: things.three!.id, url: things.three!.url, months: 2 },
    ]) {
      const res = await api.post('/v1/subscriptions', body, { token: reader.token });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'validation_failed');
    }
    assert.equal((await api.post('/v1/subscriptions', { thingId: things.three!.id, months: 1 })).status, 401);
    assert.equal((await api.get('/v1/me/subscriptions')).status, 401);
  });

  it('lists the caller\'s subscriptions, newest first', async () => {
    const res = await api.get('/v1/me/subscriptions', { token: reader.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items.map((s: { id: string }) => s.id), [twoSub, oneSub]);
    assert.deepEqual((await api.get('/v1/me/subscriptions', { token: creator.token })).body.items, []);
  });

  it('turns a covered month into a flattr; a click in that month counts once; a second run creates nothing', async () => {
    // The reader also clicked "three" this month, and subscribes to it for this month only.
    await api.post('/v1/flattrs', { thingId: things.three!.id }, { token: reader.token, headers: { 'Idempotency-Key': 'r-three' } });
    assert.equal((await api.post('/v1/subscriptions', { thingId: things.three!.id, months: 1 }, { token: reader.token })).status, 201);
    const countsBefore = { one: (await thingDoc('one'))!.flattrCount, three: (await thingDoc('three'))!.flattrCount };

    await moveTo('2026-02-01T00:10:00Z');
    const summary = await materializeSubscriptions(server.ctx, '2026-01');
    assert.deepEqual(summary, { period: '2026-01', covering: 3, created: 2, existing: 1, skipped: 0 });
    const one = await flattrOf('one', '2026-01');
    assert.equal(one!.source, 'subscription');
    assert.equal(one!.createdAt.toISOString(), '2026-01-31T23:59:59.999Z');
    assert.equal((await flattrOf('three', '2026-01'))!.source, 'click');
    assert.equal((await thingDoc('one'))!.flattrCount, countsBefore.one + 1);
    assert.equal((await thingDoc('three'))!.flattrCount, countsBefore.three);

    const again = await materializeSubscriptions(server.ctx, '2026-01');
    assert.equal(again.created, 0);
    assert.equal(again.existing, 3);
    assert.equal((await thingDoc('one'))!.flattrCount, countsBefore.one + 1);
    const listed = await api.get('/v1/me/flattrs?period=2026-01', { token: reader.token });
    assert.equal(listed.body.items.filter((f: { thingId: string }) => f.thingId === things.one!.id).length, 1);
  });

  it('pauses and resumes (PATCH); a month paused at its end is skipped', async () => {
    await moveTo('2026-02-10T09:00:00Z');
    const paused = await api.patch(`/v1/subscriptions/${oneSub}`, { paused: true }, { token: reader.token });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.status, 'paused');
    const twice = await api.patch(`/v1/subscriptions/${oneSub}`, { paused: true }, { token: reader.token });
    assert.equal(twice.status, 200);
    await moveTo('2026-03-05T09:00:00Z');
    const resumed = await api.patch(`/v1/subscriptions/${oneSub}`, { paused: false }, { token: reader.token });
    assert.equal(resumed.body.status, 'active');

    const feb = await materializeSubscriptions(server.ctx, '2026-02');
    assert.equal(await flattrOf('one', '2026-02'), null, 'paused at the end of February');
    assert.ok(await flattrOf('two', '2026-02'));
    assert.equal(feb.created, 1);
    // Two materializations at once (two distribution workers) create each flattr once.
    const countBefore = (await thingDoc('one'))!.flattrCount;
    const [mar, marAgain] = await Promise.all([
      materializeSubscriptions(server.ctx, '2026-03'),
      materializeSubscriptions(server.ctx, '2026-03'),
    ]);
    assert.ok(await flattrOf('one', '2026-03'));
    assert.equal(mar.created + marAgain.created, 2);
    assert.equal((await thingDoc('one'))!.flattrCount, countBefore + 1);
  });

  it('answers 404 for another reader\'s subscription and 400 for a bad body', async () => {
    assert.equal((await api.patch(`/v1/subscriptions/${oneSub}`, { paused: true }, { token: creator.token })).body.code, 'subscription_not_found');
    assert.equal((await api.delete(`/v1/subscriptions/${oneSub}`, { token: creator.token })).status, 404);
    assert.equal((await api.patch('/v1/subscriptions/nope', { paused: true }, { token: reader.token })).status, 404);
    assert.equal((await api.patch(`/v1/subscriptions/${oneSub}`, { paused: 'yes' }, { token: reader.token })).status, 400);
  });

  it('cancels (DELETE, idempotent): the month it is cancelled in is no longer flattred', async () => {
    await moveTo('2026-04-10T09:00:00Z');
    assert.equal((await api.delete(`/v1/subscriptions/${twoSub}`, { token: reader.token })).status, 204);
    assert.equal((await api.delete(`/v1/subscriptions/${twoSub}`, { token: reader.token })).status, 204);
    const listed = await api.get('/v1/me/subscriptions', { token: reader.token });
    const two = listed.body.items.find((s: { id: string }) => s.id === twoSub);
    assert.equal(two.status, 'cancelled');
    assert.ok(two.cancelledAt);
    const patch = await api.patch(`/v1/subscriptions/${twoSub}`, { paused: true }, { token: reader.token });
    assert.equal(patch.status, 409);
    assert.equal(patch.body.code, 'subscription_inactive');
    await moveTo('2026-05-02T09:00:00Z');
    const apr = await materializeSubscriptions(server.ctx, '2026-04');
    assert.equal(apr.covering, 0);
    assert.equal(await flattrOf('two', '2026-04'), null);
  });

  it('skips a thing the reader has come to own', async () => {
    await moveTo('2026-05-03T09:00:00Z');
    const readersSite = await startProofServer();
    try {
      const click = await api.post('/v1/flattrs', { url: `${readersSite.origin}/four`, title: 'four' }, { token: creator.token, headers: { 'Idempotency-Key': 'four' } });
      things.four = { id: click.body.thing.id, url: click.body.thing.url };
      const sub = await api.post('/v1/subscriptions', { thingId: things.four.id, months: 2 }, { token: reader.token });
      assert.equal(sub.status, 201);
      // The reader turns out to run that site.
      readersSite.pages.set('/.well-known/flattr', { body: reader.id });
      const added = await api.post('/v1/sites', { url: readersSite.origin }, { token: reader.token });
      assert.equal((await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: reader.token })).body.thingsClaimed, 1);
    } finally {
      await readersSite.close();
    }
    await moveTo('2026-06-01T09:00:00Z');
    const may = await materializeSubscriptions(server.ctx, '2026-05');
    assert.equal(may.skipped, 1);
    assert.equal(await flattrOf('four', '2026-05'), null);
  });

  it('lets a reader subscribe again once a subscription has ended', async () => {
    const listed = await api.get('/v1/me/subscriptions', { token: reader.token });
    assert.equal(listed.body.items.find((s: { id: string }) => s.id === oneSub).status, 'ended');
    const res = await api.post('/v1/subscriptions', { thingId: things.one!.id, months: 2 }, { token: reader.token });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.startPeriod, '2026-06');
    assert.equal(res.body.endPeriod, '2026-07');
  });

  it('counts in the distribution: the run materializes the month\'s subscriptions and pays the thing', async () => {
    const admin = await createAdmin(server, api);
    assert.equal((await api.post('/v1/admin/deposits', { userId: reader.id, amount: 1000, reference: 'subs-1' }, { token: admin.token })).status, 201);
    assert.equal((await api.patch('/v1/me', { budget: 600 }, { token: reader.token })).status, 200);
    await moveTo('2026-07-01T08:00:00Z');
    const outcome = await distributePeriod(server.ctx, '2026-06');
    assert.equal(outcome.run?.status, 'done');
    assert.equal(outcome.totals.clicks, 1);
    assert.equal((await flattrOf('one', '2026-06'))!.source, 'subscription');
    const entry = await server.db.collection(JOURNAL).findOne({ _id: `dist:2026-06:${reader.id}` as never });
    assert.deepEqual(decodeShares(entry!.meta.shares).map((share) => [share.thingId, share.amount]), [[things.one!.id, 600]]);
  });

  it('refuses a period that is not YYYY-MM', async () => {
    await assert.rejects(materializeSubscriptions(server.ctx, '2026-13'), /period must look like/);
  });
});
