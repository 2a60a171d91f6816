import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { distributePeriod } from '../src/distribution/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balanceFromJournal, balanceOf, balances, JOURNAL, prepareEntry, type DebitIntent } from '../src/money/index.js';
import { completeEntry } from '../src/money/complete-entry.js';
import { ESCROW, finishRelease, releaseEscrowForOwner, type EscrowView } from '../src/sites/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

/**
 * Months of real clicks and real distribution runs (the engine of
 * src/distribution) over things nobody owns yet; then the creator verifies.
 */
describe('escrow release on site verification', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  let otherSite: ProofServer;
  let reader: TestUser;
  let reader2: TestUser;
  let creator: TestUser;
  const thing: Record<string, string> = {};
  let siteId: string;

  /** Moves the server's clock; access tokens are only valid near the time they were issued, so everyone logs in again. */
  const at = async (instant: string) => {
    server.clock.set(instant);
    const login = async (user: TestUser): Promise<TestUser> => {
      const res = await api.post('/v1/auth/login', { email: user.email, password: user.password });
      assert.equal(res.status, 200, res.text);
      return { ...user, token: res.body.accessToken };
    };
    [reader, reader2, creator] = [await login(reader), await login(reader2), await login(creator)];
  };
  const budget = async (user: TestUser, amount: number) => {
    const res = await api.patch('/v1/me', { budget: amount }, { token: user.token });
    assert.equal(res.status, 200, res.text);
  };
  const click = async (user: TestUser, key: string, url: string) => {
    const res = await api.post('/v1/flattrs', { url, title: key }, { token: user.token, headers: { 'Idempotency-Key': `${user.id}-${key}-${server.clock.now().toISOString()}` } });
    assert.ok(res.status === 201 || res.status === 200, res.text);
    thing[key] = res.body.thing.id;
    assert.equal(res.body.thing.ownerId, null);
  };
  const distribute = async (period: string) => {
    const outcome = await distributePeriod(server.ctx, period);
    assert.equal(outcome.run?.status, 'done');
    return outcome;
  };
  const escrowDoc = (id: string) => server.db.collection<EscrowView>(ESCROW).findOne({ _id: id });
  const releaseEntries = () => server.db.collection(JOURNAL).countDocuments({ kind: 'escrow.release' });

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000', UNCLAIMED_MONTHS: '6' } });
    api = testClient(server.url);
    site = await startProofServer();
    otherSite = await startProofServer();
    server.clock.set('2025-09-10T10:00:00Z');
    const admin = await createAdmin(server, api);
    [reader, reader2, creator] = [await signup(api), await signup(api), await signup(api)];
    for (const [i, user] of [reader, reader2].entries()) {
      const deposit = await api.post('/v1/admin/deposits', { userId: user.id, amount: 10_000, reference: `escrow-test-${i}` }, { token: admin.token });
      assert.equal(deposit.status, 201, deposit.text);
    }
    // September 2025: 100 to a. October: 50 to b. March 2026: 900 over a, b and c (another site).
    await budget(reader, 100);
    await click(reader, 'a', `${site.origin}/a`);
    await at('2025-10-01T08:00:00Z');
    await distribute('2025-09');
    await budget(reader, 50);
    await click(reader, 'b', `${site.origin}/b`);
    await at('2025-11-01T08:00:00Z');
    await distribute('2025-10');
    await at('2026-03-10T10:00:00Z');
    await budget(reader, 900);
    for (const [key, url] of [['a', `${site.origin}/a`], ['b', `${site.origin}/b`], ['c', `${otherSite.origin}/c`]] as const) await click(reader, key, url);
    await at('2026-04-02T08:00:00Z');
    // This run also returns September's escrow: 2025-09 + 6 months have passed with nobody verified.
    const march = await distribute('2026-03');
    assert.equal(march.totals.toEscrow, 900);
    assert.equal(march.totals.returned, 100);

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
    // 2026-03: a 300 + b 300; 2025-10: b 50. September's share of a went back to the reader.
    assert.deepEqual(res.body.escrowReleased, { count: 3, gross: 650, fee: 65, net: 585 });
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585);
    assert.equal(await balanceOf(server.db, accounts.fees), 65);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.a!)), 0);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.b!)), 0);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.c!)), 300, 'another site\'s escrow is untouched');
    assert.equal((await escrowDoc(`2025-09:${reader.id}:${thing.a}`))!.state, 'returned');

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
    assert.deepEqual({ ...entry.meta }, {
      escrowId: id, thingId: thing.a, ownerId: creator.id, readerId: reader.id, period: '2026-03', amount: 300, fee: 30,
    });
    const doc = await escrowDoc(id);
    assert.equal(doc!.state, 'released');
    assert.ok(doc!.releaseTo!.equals(ObjectId.createFromHexString(creator.id)));
    assert.ok(doc!.settledAt);
    assert.equal(await releaseEntries(), 3);
    const ledger = await verifyLedger(server.ctx);
    assert.equal(ledger.ok, true, JSON.stringify(ledger.violations));
  });

  it('is idempotent: verifying again releases nothing more', async () => {
    const res = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.escrowReleased, { count: 0, gross: 0, fee: 0, net: 0 });
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585);
    assert.equal(await releaseEntries(), 3);
  });

  it('finishes releases a crash interrupted at each step, without paying twice', async () => {
    // April: both readers give to c (otherSite, still unowned): three escrow docs for c in all.
    await at('2026-04-10T10:00:00Z');
    await budget(reader2, 200);
    await budget(reader, 100);
    await click(reader, 'c', `${otherSite.origin}/c`);
    await click(reader2, 'c', `${otherSite.origin}/c`);
    await at('2026-05-02T08:00:00Z');
    await distribute('2026-04');
    const owner = ObjectId.createFromHexString(creator.id);
    const stillHeld = `2026-03:${reader.id}:${thing.c}`;
    const claimedOnly = `2026-04:${reader.id}:${thing.c}`;
    const postedToo = `2026-04:${reader2.id}:${thing.c}`;
    const escrow = server.db.collection<EscrowView>(ESCROW);
    // No crash: stillHeld is released the ordinary way, beside the two below.
    // Crash 1: claimed and marked, nothing posted.
    await escrow.updateOne({ _id: claimedOnly }, { $set: { state: 'releasing', releaseTo: owner, claimedAt: new Date() } });
    // Crash 2: claimed, marked and posted; not yet marked released.
    await escrow.updateOne({ _id: postedToo }, { $set: { state: 'releasing', releaseTo: owner, claimedAt: new Date() } });
    await finishRelease(server.ctx, (await escrowDoc(postedToo))!);
    await escrow.updateOne({ _id: postedToo }, { $set: { state: 'releasing', settledAt: null } });
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585 + 180);

    otherSite.pages.set('/.well-known/flattr', { body: `${creator.id}\n` });
    const added = await api.post('/v1/sites', { url: otherSite.origin }, { token: creator.token });
    const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 200, res.text);
    // The third's entry was written before the crash: this call wrote two (300 and 100).
    assert.deepEqual(res.body.escrowReleased, { count: 2, gross: 400, fee: 40, net: 360 });
    for (const id of [stillHeld, claimedOnly, postedToo]) assert.equal((await escrowDoc(id))!.state, 'released', id);
    // 270 + 90 + 180, once each.
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585 + 270 + 90 + 180);
    assert.equal(await balanceOf(server.db, accounts.escrow(thing.c!)), 0);

    const again = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
    assert.equal(again.body.escrowReleased.count, 0);
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 585 + 270 + 90 + 180);
    const ledger = await verifyLedger(server.ctx);
    assert.equal(ledger.ok, true, JSON.stringify(ledger.violations));
  });

  it('leaves escrow claimed for a return alone, and pays each doc once when two releases run at once', async () => {
    const third = await startProofServer();
    try {
      await at('2026-05-10T10:00:00Z');
      for (const key of ['d', 'e']) {
        await click(reader, key, `${third.origin}/${key}`);
      }
      await click(reader2, 'd', `${third.origin}/d`);
      await at('2026-06-02T08:00:00Z');
      await distribute('2026-05');
      // reader: 100 over d and e; reader2: 200 to d.
      const returning = `2026-05:${reader.id}:${thing.e}`;
      // Claimed for a return by a distribution (that has not posted it yet).
      await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: returning }, { $set: { state: 'returning', claimedAt: new Date() } });

      third.pages.set('/.well-known/flattr', { body: creator.id });
      const added = await api.post('/v1/sites', { url: third.origin }, { token: creator.token });
      // Take the ownership steps without the release (as if it crashed there), then race two releases.
      await server.db.collection('things').updateMany({ host: third.host }, { $set: { ownerId: ObjectId.createFromHexString(creator.id) } });
      const before = await balanceOf(server.db, accounts.user(creator.id));
      const owner = ObjectId.createFromHexString(creator.id);
      const [one, two] = await Promise.all([
        releaseEscrowForOwner(server.ctx, owner, third.host),
        releaseEscrowForOwner(server.ctx, owner, third.host),
      ]);
      // d: 50 + 200 gross, fees 5 + 20. e is claimed for a return.
      assert.equal(one.count + two.count, 2);
      assert.equal(one.gross + two.gross, 250);
      assert.equal(await balanceOf(server.db, accounts.user(creator.id)), before + 225);
      assert.equal(await balanceFromJournal(server.db, accounts.user(creator.id)), before + 225);
      assert.equal((await escrowDoc(returning))!.state, 'returning');
      assert.equal(await balanceOf(server.db, accounts.escrow(thing.e!)), 50);
      const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(res.body.escrowReleased.count, 0);
    } finally {
      await third.close();
    }
  });

  it('leaves a release that verification is writing to it when a run releases the same escrow late (no second completer)', async () => {
    const fourth = await startProofServer();
    try {
      await at('2026-06-10T10:00:00Z');
      await click(reader, 'f', `${fourth.origin}/f`);
      await at('2026-07-02T08:00:00Z');
      await distribute('2026-06');
      const escrowId = `2026-06:${reader.id}:${thing.f}`;
      const held = (await escrowDoc(escrowId))!;
      const owner = ObjectId.createFromHexString(creator.id);
      await server.db.collection('things').updateMany({ host: fourth.host }, { $set: { ownerId: owner } });
      // The owner's verification (writer W) claimed the doc, took the escrow's debit and inserted its entry, then paused.
      await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: escrowId }, { $set: { state: 'releasing', releaseTo: owner, claimedAt: new Date() } });
      const fee = Math.floor(held.amount / 10);
      const entry = prepareEntry({
        _id: `escrow.release:${escrowId}`, kind: 'escrow.release', period: '2026-06',
        postings: [{ account: accounts.escrow(thing.f!), amount: -held.amount }, { account: accounts.fees, amount: fee }, { account: accounts.user(creator.id), amount: held.amount - fee }],
        meta: { escrowId, thingId: thing.f, ownerId: creator.id, readerId: reader.id, period: '2026-06', amount: held.amount, fee },
      });
      const intent: DebitIntent = { id: entry._id, token: 'verification', amount: -held.amount, at: new Date(), entry };
      await balances(server.db).updateOne({ _id: accounts.escrow(thing.f!) }, { $inc: { amount: -held.amount }, $push: { intents: intent } });
      await server.db.collection(JOURNAL).insertOne({ ...entry, debitToken: intent.token, leaseUntil: new Date(Date.now() + 60_000) } as never);
      const creatorBefore = await balanceFromJournal(server.db, accounts.user(creator.id));

      // December's run returns (or releases late) escrow of June: it meets W's entry while W's lease lasts.
      await at('2027-01-02T08:00:00Z');
      await distribute('2026-12');
      // W goes on with its own steps.
      await completeEntry(server.db, entry, { account: accounts.escrow(thing.f!), intent });
      for (const account of [accounts.user(creator.id), accounts.fees, accounts.escrow(thing.f!)]) {
        assert.equal(await balanceOf(server.db, account), await balanceFromJournal(server.db, account), `${account}: credited once`);
      }
      assert.equal(await balanceFromJournal(server.db, accounts.user(creator.id)), creatorBefore);
      assert.equal((await escrowDoc(escrowId))!.state, 'released');
      const ledger = await verifyLedger(server.ctx);
      assert.equal(ledger.ok, true, JSON.stringify(ledger.violations));
    } finally {
      await fourth.close();
    }
  });

  it('leaves a return that the run of another period is writing to that run (no second completer)', async () => {
    const fifth = await startProofServer();
    try {
      await at('2027-01-10T10:00:00Z');
      await click(reader, 'g', `${fifth.origin}/g`);
      await at('2027-02-02T08:00:00Z');
      await distribute('2027-01');
      const escrowId = `2027-01:${reader.id}:${thing.g}`;
      const held = (await escrowDoc(escrowId))!;
      // The run of 2027-08 (writer R) claimed the doc for a return, took the escrow's debit and inserted its entry, then paused.
      await server.db.collection<EscrowView>(ESCROW).updateOne({ _id: escrowId }, { $set: { state: 'returning', claimedAt: new Date(), claimedByRun: '2027-08' } });
      const entry = prepareEntry({
        _id: `escrow.return:${escrowId}`, kind: 'escrow.return', period: '2027-01',
        postings: [{ account: accounts.escrow(thing.g!), amount: -held.amount }, { account: accounts.user(reader.id), amount: held.amount }],
        meta: { escrowId, thingId: thing.g, readerId: reader.id, period: '2027-01', amount: held.amount, settledByRun: '2027-08' },
      });
      const intent: DebitIntent = { id: entry._id, token: 'run-2027-08', amount: -held.amount, at: new Date(), entry };
      await balances(server.db).updateOne({ _id: accounts.escrow(thing.g!) }, { $inc: { amount: -held.amount }, $push: { intents: intent } });
      await server.db.collection(JOURNAL).insertOne({ ...entry, debitToken: intent.token, leaseUntil: new Date(Date.now() + 60_000) } as never);

      // The run of 2027-07 returns the same escrow (2027-01 + 6 months) meanwhile.
      await at('2027-08-02T08:00:00Z');
      await distribute('2027-07');
      await completeEntry(server.db, entry, { account: accounts.escrow(thing.g!), intent });
      for (const account of [accounts.user(reader.id), accounts.escrow(thing.g!)]) {
        assert.equal(await balanceOf(server.db, account) + ((await balances(server.db).findOne({ _id: account }))?.reserved?.['2027-07'] ?? 0),
          await balanceFromJournal(server.db, account), `${account}: returned once`);
      }
      assert.equal((await escrowDoc(escrowId))!.state, 'returned');
      const ledger = await verifyLedger(server.ctx);
      assert.equal(ledger.ok, true, JSON.stringify(ledger.violations));
    } finally {
      await fifth.close();
    }
  });
});
