import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from 'mongodb';
import { DISTRIBUTIONS } from '../src/db/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balances, BALANCES, JOURNAL, postEntry, prepareEntry, repairBalances, type DebitIntent } from '../src/money/index.js';
import { seedDemoData } from '../src/seed/index.js';
import { startTestServer, type TestServer } from '../src/testing/index.js';

describe('ledger check on the balance documents', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });
  const wallet = accounts.user('ledger-check');
  const kinds = async () => (await verifyLedger(server)).violations.map((v) => v.kind).sort();

  it('counts reserved money as the account\'s, and reports a reservation that outlived its run', async () => {
    await postEntry(server.db, { _id: 'deposit:ledger-check', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -900 }, { account: wallet, amount: 900 }] });
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: -400 }, $set: { 'reserved.2026-01': 400 } });
    assert.deepEqual(await kinds(), [], 'spendable 500 + reserved 400 = the journal\'s 900');
    await server.db.collection(DISTRIBUTIONS).insertOne({ _id: '2026-01' as never, status: 'done' });
    assert.deepEqual(await kinds(), ['reservation_stale']);
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: 400 }, $unset: { 'reserved.2026-01': '' } });
    assert.deepEqual(await kinds(), []);
  });

  it('counts a guarded debit whose entry is not in the journal as in flight, then as pending once its lease ran out', async () => {
    const entry = prepareEntry({ _id: 'payout.request:ledger-check', kind: 'payout.request', postings: [
      { account: wallet, amount: -100 }, { account: accounts.pendingPayouts, amount: 100 }] });
    const intent = (at: Date): DebitIntent => ({ id: entry._id, token: 'lc', amount: -100, at, entry });
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: -100 }, $push: { intents: intent(new Date()) } });
    let report = await verifyLedger(server);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
    assert.equal(report.pendingEntries, 1);
    await balances(server.db).updateOne({ _id: wallet }, { $set: { 'intents.0.at': new Date(Date.now() - 3_600_000) } });
    assert.deepEqual(await kinds(), ['debit_pending']);
    assert.equal(await repairBalances(server.db), 1);
    report = await verifyLedger(server);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
    assert.equal(report.pendingEntries, 0);
  });

  it('counts the postings a pending entry has not reached yet as not applied (a writer at work)', async () => {
    // Inserted and half applied: the debit of the source carries the marker, the credit not yet.
    await server.db.collection('journal').insertOne({ _id: 'deposit:half' as never, kind: 'deposit', state: 'pending', createdAt: new Date(),
      leaseUntil: new Date(Date.now() + 60_000), postings: [{ account: accounts.deposits, amount: -70 }, { account: 'user:half', amount: 70 }] });
    await balances(server.db).updateOne({ _id: accounts.deposits }, { $inc: { amount: -70 }, $push: { applying: 'deposit:half' } });
    const report = await verifyLedger(server);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
    assert.equal(report.pendingEntries, 1);
    assert.equal(await repairBalances(server.db, { takeOver: true }), 1);
    assert.deepEqual(await kinds(), []);
  });

  it('reports a spendable amount below zero and a cached balance that disagrees with the journal', async () => {
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: -5000 } });
    assert.deepEqual(await kinds(), ['balance_mismatch', 'negative_balance']);
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: 5000 } });
    assert.deepEqual(await kinds(), []);
  });

  it('judges a pending entry by its lease, not by its date (a live writer may date its entry earlier)', async () => {
    const longAgo = new Date(Date.now() - 3_600_000);
    const entry = (id: string, leaseUntil: Date) => ({ _id: id as never, kind: 'x', state: 'pending', createdAt: longAgo, leaseUntil,
      postings: [{ account: 'external:lease-check', amount: -4 }, { account: `lease-check:${id}`, amount: 4 }] });
    await server.db.collection(JOURNAL).insertOne(entry('lease-live', new Date(Date.now() + 60_000)));
    const live = await verifyLedger(server);
    assert.deepEqual(live.violations, [], 'dated an hour ago, leased for another minute: a writer at work');
    assert.equal(live.pendingEntries, 1);
    await server.db.collection(JOURNAL).updateOne({ _id: 'lease-live' as never }, { $set: { leaseUntil: new Date(Date.now() - 1000) } });
    assert.deepEqual(await kinds(), ['entry_pending']);
    await repairBalances(server.db);
    assert.deepEqual(await kinds(), []);
  });

  it('seeds demo data that a repair running between any two of its writes leaves as it is (no credit applied twice)', async () => {
    const db = server.ctx.client.db(`${server.db.databaseName}_seed`);
    try {
      // A repair (server start, a snapshot) before every write of the seed to the journal or the balances.
      const writes = new Set(['insertOne', 'insertMany', 'updateOne', 'updateMany', 'bulkWrite']);
      let repairs = 0;
      const watched = (name: string) => {
        const real = db.collection(name);
        if (name !== JOURNAL && name !== BALANCES) return real;
        return new Proxy(real, {
          get(target, key, receiver) {
            const value = Reflect.get(target, key, receiver);
            if (typeof key !== 'string' || !writes.has(key)) return value;
            return async (...args: unknown[]) => {
              await repairBalances(db);
              repairs += 1;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
      };
      const seeding = Object.assign(Object.create(db) as Db, { collection: watched });
      const summary = await seedDemoData(seeding, { readers: 30, clicks: 60, period: '2026-02', seed: 'repair-meanwhile' });
      assert.ok(repairs >= 3 && summary.deposited > 0);
      await repairBalances(db);
      const report = await verifyLedger({ db });
      assert.deepEqual(report.violations, []);
      let wallets = 0;
      for await (const doc of balances(db).find({ _id: { $regex: '^user:' } as never })) wallets += doc.amount;
      assert.equal(wallets, summary.deposited, 'each reader credited once');
    } finally {
      await db.dropDatabase();
    }
  });
});
