import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { accounts, balanceFromJournal, balanceOf, JOURNAL } from '../src/money/index.js';
import { ESCROW, ESCROW_CLAIMS, finishRelease, releaseEscrowForOwner, type EscrowClaim, type EscrowView } from '../src/sites/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { simulateDistribution } from '../src/sites/testing/simulated-distribution.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('escrow release on site verification', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  let otherSite: ProofServer;
  let admin: TestUser;
  let reader: TestUser;
  let reader2: TestUser;
  let creator: TestUser;
  const thing: Record<string, string> = {};
  let siteId: string;

  /** Access tokens live minutes of the server's clock: a test that moves the clock logs in again. */
  const login = async (user: TestUser): Promise<TestUser> => {
    const res = await api.post('/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(res.status, 200, res.text);
    return { ...user, token: res.body.accessToken };
  };
  const escrowDoc = (id: string) => server.db.collection<EscrowView>(ESCROW).findOne({ _id: id });
  const releaseEntries = () => server.db.collection(JOURNAL).countDocuments({ kind: 'escrow.release' });

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000', UNCLAIMED_MONTHS: '6' } });
    api = testClient(server.url);
    site = await startProofServer();
    otherSite = await startProofServer();
    server.clock.set('2026-03-10T10:00:00Z');
    admin = await createAdmin(server, api);
    [reader, reader2, creator] = [await signup(api), await signup(api), await signup(api)];
    for (const [i, user] of [reader, reader2].entries()) {
      const deposit = await api.post('/v1/admin/deposits', { userId: user.id, amount: 10_000, reference: `escrow-test-${i}` }, { token: admin.token });
      assert.equal(deposit.status, 201, deposit.text);
    }
    for (const [key, url] of [['a', `${site.origin}/a`], ['b', `${site.origin}/b`], ['c', `${otherSite.origin}/c`]] as const) {
      const click = await api.post('/v1/flattrs', { url, title: key }, { token: reader.token, headers: { 'Idempotency-Key': `click-${key}` } });
      assert.equal(click.status, 201, click.text);
      thing[key] = click.body.thing.id;
    }
    server.clock.set('2026-04-02T08:00:00Z');
    creator = await login(creator);
    // Three distributed months whose shares for the (then unowned) things wait in escrow.
    await simulateDistribution(server.db, '2025-09', [
      { readerId: reader.id, contribution: 100, things: [{ thingId: thing.a!, ownerId: null }] },
    ], 1000);
    await simulateDistribution(server.db, '2025-10', [
      { readerId: reader.id, contribution: 50, things: [{ thingId: thing.b!, ownerId: null }] },
    ], 1000);
    await simulateDistribution(server.db, '2026-03', [
      { readerId: reader.id, contribution: 900, things: ['a', 'b', 'c'].map((k) => ({ thingId: thing[k]!, ownerId: null })) },
    ], 1000);
    site.pages.set('/.well-known/flattr', { body: `${creator.id}\n` });
    siteId = (await api.post('/v1/sites', { url: site.origin }, { token: creator.token })).body.id;
  });
  after(async () => {
    await site.close();
    await otherSite.close();
    await server.close();
  });

  it('releases the escrow of the host\'s things within UNCLAIMED_MONTHS to the owner, minus the fee', async () => {
    const res = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 200, res.text);
    // 2026-03: a 300 + b 300; 2025-10: b 50. 2025-09 is past its deadline (end of 2026-03).
    assert.deepEqual(res.body.escrowReleased, { count: 3, gross: 650, fee: 65, net: 585 });
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585);
    assert.equal(await balanceOf(server.db, accounts.fees), 65);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.a!)), 100, 'the 2025-09 share stays for the return');
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.b!)), 0);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.c!)), 300, 'another site\'s escrow is untouched');

    const id = `2026-03:${reader.id}:${thing.a}`;
    const entry = await server.db.collection(JOURNAL).findOne({ _id: `escrow.release:${id}` as never });
    assert.ok(entry);
    assert.equal(entry.kind, 'escrow.release');
    assert.equal(entry.period, '2026-03');
    assert.deepEqual(entry.postings, [
      { account: accounts.escrow(thing.a!), amount: -300 },
      { account: accounts.fees, amount: 30 },
      { account: accounts.user(creator.id), amount: 270 },
    ]);
    assert.equal(entry.meta.ownerId, creator.id);
    assert.equal(entry.meta.amount, 300);
    assert.equal(entry.meta.fee, 30);
    const doc = await escrowDoc(id);
    assert.equal(doc!.state, 'released');
    assert.ok(doc!.releaseTo!.equals(ObjectId.createFromHexString(creator.id)));
    assert.ok(doc!.settledAt);
    assert.equal((await escrowDoc(`2025-09:${reader.id}:${thing.a}`))!.state, 'held');
    assert.equal(await releaseEntries(), 3);
  });

  it('is idempotent: verifying again releases nothing more', async () => {
    const res = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.escrowReleased, { count: 0, gross: 0, fee: 0, net: 0 });
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585);
    assert.equal(await releaseEntries(), 3);
  });

  it('finishes releases a crash interrupted, after the claim and after the entry, without paying twice', async () => {
    // Three more shares for thing a, as if computed while it was still unowned.
    await simulateDistribution(server.db, '2026-04', [
      { readerId: reader.id, contribution: 100, things: [{ thingId: thing.a!, ownerId: null }] },
      { readerId: reader2.id, contribution: 200, things: [{ thingId: thing.a!, ownerId: null }] },
    ], 1000);
    await simulateDistribution(server.db, '2026-02', [
      { readerId: reader2.id, contribution: 10, things: [{ thingId: thing.a!, ownerId: null }] },
    ], 1000);
    const owner = ObjectId.createFromHexString(creator.id);
    const claimRecorded = `2026-02:${reader2.id}:${thing.a}`;
    const claimedOnly = `2026-04:${reader.id}:${thing.a}`;
    const postedToo = `2026-04:${reader2.id}:${thing.a}`;
    // Crash 0: the claim was inserted, the escrow doc not yet marked.
    await server.db.collection<EscrowClaim>(ESCROW_CLAIMS).insertOne({ _id: claimRecorded, action: 'release', releaseTo: owner, claimedAt: new Date() });
    // Crash 1: claimed and marked, nothing posted.
    await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: claimedOnly }, { $set: { state: 'releasing', releaseTo: owner, claimedAt: new Date() } });
    // Crash 2: claimed and posted, not yet marked released.
    await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: postedToo }, { $set: { state: 'releasing', releaseTo: owner, claimedAt: new Date() } });
    await finishRelease(server.ctx, (await escrowDoc(postedToo))!);
    await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: postedToo }, { $set: { state: 'releasing', settledAt: null } });
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585 + 180);

    const res = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 200);
    // The entry of the third was written before the crash: this call wrote two.
    assert.deepEqual(res.body.escrowReleased, { count: 2, gross: 110, fee: 11, net: 99 });
    for (const id of [claimRecorded, claimedOnly, postedToo]) assert.equal((await escrowDoc(id))!.state, 'released', id);
    // 9 + 90 + 180, once each.
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585 + 9 + 90 + 180);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.a!)), 100);
    assert.equal(await releaseEntries(), 6);

    const again = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(again.body.escrowReleased.count, 0);
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585 + 9 + 90 + 180);
    for (const account of [accounts.user(creator.id), accounts.fees, accounts.escrow(thing.a!), accounts.escrow(thing.b!)]) {
      assert.equal(await balanceOf(server.db, account), await balanceFromJournal(server.db, account), account);
    }
  });

  it('leaves escrow the distribution claimed for a return alone', async () => {
    await simulateDistribution(server.db, '2026-05', [
      { readerId: reader.id, contribution: 40, things: [{ thingId: thing.b!, ownerId: null }] },
      { readerId: reader2.id, contribution: 60, things: [{ thingId: thing.b!, ownerId: null }] },
    ], 1000);
    const id = `2026-05:${reader.id}:${thing.b}`;
    await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: id }, { $set: { state: 'returning', claimedAt: new Date() } });
    // A return claimed under the shared claim key, its doc still `held`.
    const id2 = `2026-05:${reader2.id}:${thing.b}`;
    await server.db.collection<EscrowClaim>(ESCROW_CLAIMS).insertOne({ _id: id2, action: 'return', releaseTo: null, claimedAt: new Date() });
    server.clock.set('2026-06-02T08:00:00Z');
    creator = await login(creator);
    const res = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(res.body.escrowReleased.count, 0);
    assert.equal((await escrowDoc(id))!.state, 'returning');
    assert.equal((await escrowDoc(id2))!.state, 'held');
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.b!)), 100);
  });

  it('pays each escrow doc once when two releases run at the same time', async () => {
    await simulateDistribution(server.db, '2026-06', [
      { readerId: reader.id, contribution: 30, things: [{ thingId: thing.a!, ownerId: null }, { thingId: thing.b!, ownerId: null }] },
      { readerId: reader2.id, contribution: 21, things: [{ thingId: thing.a!, ownerId: null }] },
    ], 1000);
    const before = await balanceFromJournal(server.db, accounts.user(creator.id));
    const owner = ObjectId.createFromHexString(creator.id);
    const [one, two] = await Promise.all([
      releaseEscrowForOwner(server.ctx, owner, site.host),
      releaseEscrowForOwner(server.ctx, owner, site.host),
    ]);
    // 15 + 15 + 21 gross; fees 1 + 1 + 2.
    assert.equal(one.count + two.count, 3);
    assert.equal(one.gross + two.gross, 51);
    assert.equal(await balanceFromJournal(server.db, accounts.user(creator.id)), before + 47);
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), before + 47, 'the cached balance too');
    assert.equal(await balanceFromJournal(server.db, accounts.escrow(thing.a!)), 100);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: { $regex: '^escrow\\.release:2026-06:' } as never }), 3);
  });
});
