import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { collections } from '../src/db/index.js';
import { backgroundRuns } from '../src/distribution/index.js';
import { flattrIdFor } from '../src/flattrs/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balanceFromJournal, balanceOf, JOURNAL, postEntry } from '../src/money/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, login, signup, type TestUser } from '../src/testing/users.js';

/**
 * What MongoDB guarantees (atomic single-document updates, guards, unique keys)
 * asserted through the money paths under concurrency. Each case runs several
 * rounds: a race that is lost once in a while must show up here.
 */
describe('money under concurrency', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer({ env: { CURRENCY: 'EUR' } });
    api = testClient(server.url);
  });
  after(async () => {
    await Promise.all(backgroundRuns.values());
    await server.close();
  });

  /** A reader with `deposit` in the wallet, a budget, and one click in `period` on a creator's thing. */
  async function readerWithClick(period: string, deposit: number, budget: number): Promise<TestUser> {
    const reader = await signup(api);
    const res = await api.post('/v1/admin/deposits', { userId: reader.id, amount: deposit, reference: `race-${reader.id}` }, { token: admin.token });
    assert.equal(res.status, 201, res.text);
    await collections.users(server.db).updateOne({ _id: ObjectId.createFromHexString(reader.id) }, { $set: { budget } });
    const creator = new ObjectId();
    const thingId = new ObjectId();
    await collections.things(server.db).insertOne({
      _id: thingId, url: `https://race.example/${thingId.toHexString()}`, host: 'race.example', title: 'race', tags: [],
      ownerId: creator, claimedCreator: null, flattrCount: 1, createdAt: new Date(`${period}-02T00:00:00Z`),
    });
    const readerId = ObjectId.createFromHexString(reader.id);
    await collections.flattrs(server.db).insertOne({
      _id: flattrIdFor(readerId, thingId, period), readerId, thingId, period, createdAt: new Date(`${period}-03T00:00:00Z`), source: 'click',
    });
    return reader;
  }

  it('lets no payout take money the distribution counted (payouts every 25 ms while the run starts)', { timeout: 120_000 }, async (t) => {
    // deposit = budget = 30.00 as in the issue; payouts of 1.00 (the issue's), of 0.10, and of 0.01 (the money then
    // lasts until the snapshot even on a loaded machine, so payouts meet the reservation).
    const cases = [{ period: '2026-01', payout: 100 }, { period: '2026-02', payout: 10 }, { period: '2026-03', payout: 1 }];
    server.clock.set('2026-06-10T00:00:00Z');
    admin = await createAdmin(server, api);
    let racedReservation = 0;
    for (const { period, payout } of cases) {
      const readers = await Promise.all(Array.from({ length: 4 }, () => readerWithClick(period, 3000, 3000)));
      for (const reader of readers) await login(api, reader);
      const accepted = new Map<string, number>(readers.map((r) => [r.id, 0]));
      const refused = new Map<string, number>(readers.map((r) => [r.id, 0]));
      const inFlight: Array<Promise<void>> = [];
      const pending = new Map<string, number>(readers.map((r) => [r.id, 0]));
      const unexpected: string[] = [];
      let stop = false;
      // Every 25 ms each reader asks for a payout, with at most two of theirs in flight: an unbounded pile of
      // requests would only queue the run's start behind them (on a loaded machine the wallets then emptied
      // before the snapshot in every round, and no payout met a reservation).
      const fire = () => {
        for (const reader of readers) {
          if (pending.get(reader.id)! >= 2) continue;
          pending.set(reader.id, pending.get(reader.id)! + 1);
          inFlight.push(api.post('/v1/me/payouts', { amount: payout }, { token: reader.token }).then((res) => {
            pending.set(reader.id, pending.get(reader.id)! - 1);
            if (res.status === 201) accepted.set(reader.id, accepted.get(reader.id)! + payout);
            // Refusing is always safe; an earlier version answered 409 distribution_running during a run.
            else if ((res.status === 422 && res.body.code === 'insufficient_funds') || res.status === 409) refused.set(reader.id, refused.get(reader.id)! + 1);
            else unexpected.push(`${res.status}: ${res.text}`);
          }));
        }
      };
      const ticker = (async () => {
        while (!stop) {
          fire();
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      // Some payouts before the run, then the run starts while they keep coming.
      await new Promise((r) => setTimeout(r, 100));
      const started = await api.post('/v1/admin/distributions', { period }, { token: admin.token });
      assert.equal(started.status, 202, started.text);
      await backgroundRuns.get(period);
      stop = true;
      await ticker;
      await Promise.all(inFlight);
      assert.deepEqual(unexpected, []);
      for (const reader of readers) {
        const wallet = accounts.user(reader.id);
        const entry = await server.db.collection(JOURNAL).findOne({ _id: `dist:${period}:${reader.id}` as never });
        const contributed = Number(entry?.meta?.contribution ?? 0);
        const paid = accepted.get(reader.id)!;
        const journal = await balanceFromJournal(server.db, wallet);
        const note = `${period}, payouts of ${payout}, reader ${reader.id}: contributed ${contributed}, paid out ${paid}, refused ${refused.get(reader.id)}, wallet ${journal}`;
        assert.ok(journal >= 0, `wallet below zero: ${note}`);
        assert.ok(contributed + paid <= 3000, `money counted twice: ${note}`);
        assert.equal(journal, 3000 - contributed - paid, note);
        assert.equal(await balanceOf(server.db, wallet), journal, note);
        if (contributed > 0 && refused.get(reader.id)! > 0) racedReservation += 1;
        t.diagnostic(note);
      }
    }
    assert.ok(racedReservation > 0, 'some payouts met a reservation (the race was run, not avoided)');
    const ledger = await verifyLedger(server);
    assert.equal(ledger.ok, true, JSON.stringify(ledger.violations));
  });

  it('keeps the budget history and the budget in force in agreement (61 parallel changes, 5 rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const reader = await signup(api);
      await login(api, reader);
      const budgets = Array.from({ length: 61 }, (_, i) => 100 * ((i * 7 + round) % 13));
      const results = await Promise.all(budgets.map((budget) => api.patch('/v1/me', { budget }, { token: reader.token })));
      assert.ok(results.every((r) => r.status === 200), results.map((r) => r.status).join(','));
      const user = await collections.users(server.db).findOne({ _id: ObjectId.createFromHexString(reader.id) });
      const entries = await server.db.collection(JOURNAL).find({ kind: 'budget.set', 'meta.userId': reader.id }).toArray();
      const version = (e: { _id: unknown }) => Number(String(e._id).split(':').pop());
      entries.sort((a, b) => version(a) - version(b));
      assert.equal(entries.length, (user as { budgetVersion?: number }).budgetVersion, 'one entry per change');
      assert.deepEqual(entries.map(version), entries.map((_, i) => i + 1), 'versions without gaps');
      let previous = 0;
      for (const entry of entries) {
        assert.equal(entry.meta.previous, previous, `entry ${entry._id} follows the one before`);
        assert.notEqual(entry.meta.budget, previous, 'an entry records a change');
        previous = entry.meta.budget;
      }
      assert.equal(previous, user!.budget, 'the newest entry is the budget in force');
    }
  });

  it('writes the history entry a crash left out when the budget changes next', async () => {
    const reader = await signup(api);
    await login(api, reader);
    assert.equal((await api.patch('/v1/me', { budget: 500 }, { token: reader.token })).status, 200);
    // A change whose process died after the user update, before its journal entry.
    await collections.users(server.db).updateOne({ _id: ObjectId.createFromHexString(reader.id) },
      { $set: { budget: 700, budgetSetAt: new Date(server.clock.now().getTime() - 3_600_000) }, $inc: { budgetVersion: 1 } });
    assert.equal((await api.patch('/v1/me', { budget: 900 }, { token: reader.token })).status, 200);
    const entries = await server.db.collection(JOURNAL).find({ kind: 'budget.set', 'meta.userId': reader.id }).sort({ _id: 1 }).toArray();
    assert.deepEqual(entries.map((e) => [e._id, e.meta.previous, e.meta.budget]), [
      [`budget.set:${reader.id}:1`, 0, 500],
      [`budget.set:${reader.id}:2`, 500, 700],
      [`budget.set:${reader.id}:3`, 700, 900],
    ]);
  });

  it('keeps exact sums under parallel top-ups and guarded debits of one wallet (5 rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      const wallet = accounts.user(new ObjectId().toHexString());
      await postEntry(server.db, { _id: `test.topup:${wallet}:0`, kind: 'deposit', postings: [
        { account: accounts.deposits, amount: -1000 }, { account: wallet, amount: 1000 }] });
      // 100 top-ups of 7 and 150 debits of 13 at once: the debits may take at most what is there at their turn.
      const topUps = Array.from({ length: 100 }, (_, i) => postEntry(server.db, { _id: `test.topup:${wallet}:${i + 1}`, kind: 'deposit', postings: [
        { account: accounts.deposits, amount: -7 }, { account: wallet, amount: 7 }] }).then(() => 'ok'));
      const debits = Array.from({ length: 150 }, (_, i) => postEntry(server.db, { _id: `test.debit:${wallet}:${i}`, kind: 'payout.request', postings: [
        { account: wallet, amount: -13 }, { account: accounts.pendingPayouts, amount: 13 }] }).then(() => 'ok', (error) => {
        assert.equal((error as { code?: string }).code, 'insufficient_funds', String(error));
        return 'refused';
      }));
      const outcomes = await Promise.all([...topUps, ...debits]);
      const debited = outcomes.slice(100).filter((o) => o === 'ok').length;
      const expected = 1000 + 100 * 7 - debited * 13;
      assert.ok(expected >= 0, `the wallet went below zero: ${expected}`);
      assert.equal(await balanceOf(server.db, wallet), expected);
      assert.equal(await balanceFromJournal(server.db, wallet), expected);
      assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: { $regex: `^test\\.debit:${wallet}:` } as never }), debited);
    }
  });
});
