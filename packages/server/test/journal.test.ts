import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from 'mongodb';
import {
  accounts, applyManyOnce, applyOnce, BALANCES, type BalanceDoc, balanceFromJournal, balanceOf, balances, cachedBalances, InsufficientFundsError, JOURNAL, postEntry,
  prepareEntry, repairBalances, reserveMany, settleMany, type DebitIntent,
} from '../src/money/index.js';
import { startTestServer, type TestServer } from '../src/testing/index.js';

describe('journal and balances', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });
  const deposit = (id: string, account: string, amount: number) => ({ _id: id, kind: 'deposit', postings: [
    { account: accounts.deposits, amount: -amount }, { account, amount }] });
  const longAgo = () => new Date(Date.now() - 3_600_000);

  it('writes an entry once and applies it once to the cached balances', async () => {
    const entry = deposit('deposit:test-1', accounts.user('a'), 500);
    assert.equal(await postEntry(server.db, entry), true);
    assert.equal(await postEntry(server.db, entry), false);
    assert.equal(await balanceOf(server.db, accounts.user('a')), 500);
    assert.equal(await balanceFromJournal(server.db, accounts.user('a')), 500);
    const doc = await balances(server.db).findOne({ _id: accounts.user('a') });
    assert.deepEqual(doc, { _id: accounts.user('a'), amount: 500, applying: [] }, 'one document per account, markers cleared');
  });

  it('applies an entry once when the same entry is posted many times at once', async () => {
    for (let round = 0; round < 5; round++) {
      const entry = deposit(`deposit:concurrent-1:${round}`, accounts.user('concurrent'), 100);
      const results = await Promise.all(Array.from({ length: 20 }, () => postEntry(server.db, entry)));
      assert.equal(results.filter(Boolean).length, 1);
    }
    assert.equal(await balanceOf(server.db, accounts.user('concurrent')), 500);
    assert.equal(await balanceFromJournal(server.db, accounts.user('concurrent')), 500);
  });

  it('takes a guarded debit once when the same entry is posted many times at once, also when it takes all the money', async () => {
    for (let round = 0; round < 5; round++) {
      const wallet = accounts.user(`same-debit-${round}`);
      await postEntry(server.db, deposit(`deposit:same-debit:${round}`, wallet, 300));
      const entry = { _id: `payout.request:same-debit:${round}`, kind: 'payout.request', postings: [
        { account: wallet, amount: -300 }, { account: accounts.pendingPayouts, amount: 300 }] };
      // A call that finds the money gone must learn that the entry exists, not that funds are lacking.
      const results = await Promise.all(Array.from({ length: 20 }, () => postEntry(server.db, entry)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await balanceOf(server.db, wallet), 0);
      assert.equal(await balanceFromJournal(server.db, wallet), 0);
    }
  });

  it('refuses entries that do not sum to zero or are not integer minor units', async () => {
    await assert.rejects(postEntry(server.db, { _id: 'bad-1', kind: 'x', postings: [{ account: 'a', amount: 1 }] }), /sum to zero/);
    await assert.rejects(postEntry(server.db, { _id: 'bad-2', kind: 'x', postings: [{ account: 'a', amount: 0.5 }, { account: 'b', amount: -0.5 }] }), /integer/);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: { $in: ['bad-1', 'bad-2'] } as never }), 0);
  });

  it('refuses to reuse an id for a different movement', async () => {
    await postEntry(server.db, { _id: 'same-id', kind: 'x', postings: [{ account: 'external:p', amount: -1 }, { account: 'q', amount: 1 }] });
    await assert.rejects(postEntry(server.db, { _id: 'same-id', kind: 'x', postings: [{ account: 'external:p', amount: -2 }, { account: 'q', amount: 2 }] }), /different movement/);
  });

  it('takes a guarded debit only when the money is there, and a refused one writes nothing', async () => {
    const wallet = accounts.user('guarded');
    await postEntry(server.db, deposit('deposit:guarded', wallet, 300));
    const before = await balances(server.db).findOne({ _id: wallet });
    const payout = (id: string, amount: number) => ({ _id: id, kind: 'payout.request', postings: [
      { account: wallet, amount: -amount }, { account: accounts.pendingPayouts, amount }] });
    await assert.rejects(postEntry(server.db, payout('guarded:too-much', 301)), (error) => error instanceof InsufficientFundsError && error.available === 300);
    assert.deepEqual(await balances(server.db).findOne({ _id: wallet }), before, 'the wallet is untouched');
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: 'guarded:too-much' as never }), 0);
    assert.equal(await postEntry(server.db, payout('guarded:ok', 300)), true);
    assert.equal(await postEntry(server.db, payout('guarded:ok', 300)), false, 'the same entry again takes nothing');
    assert.deepEqual(await balances(server.db).findOne({ _id: wallet }), { _id: wallet, amount: 0, applying: [], intents: [] });
    await assert.rejects(postEntry(server.db, { _id: 'two-guards', kind: 'x', postings: [
      { account: wallet, amount: -1 }, { account: accounts.fees, amount: -1 }, { account: 'external:x', amount: 2 }] }), /split it/);
  });

  it('completes an entry left pending by a crash, without applying it twice', async () => {
    // A writer inserted the entry and applied one posting, then died.
    const id = 'crash:1';
    await server.db.collection(JOURNAL).insertOne({ _id: id as never, kind: 'x', state: 'pending', createdAt: longAgo(), leaseUntil: longAgo(),
      postings: [{ account: 'external:crash-a', amount: -7 }, { account: 'crash:b', amount: 7 }] });
    await balances(server.db).insertOne({ _id: 'external:crash-a', amount: -7, applying: [id] });
    assert.equal(await repairBalances(server.db), 1);
    assert.equal(await balanceOf(server.db, 'external:crash-a'), -7);
    assert.equal(await balanceOf(server.db, 'crash:b'), 7);
    assert.equal(await repairBalances(server.db), 0);
    assert.equal(await balanceOf(server.db, 'external:crash-a'), -7);
    assert.equal((await server.db.collection(JOURNAL).findOne({ _id: id as never }))!.state, 'applied');
  });

  it('leaves a pending entry to its writer while its lease lasts', async () => {
    await server.db.collection(JOURNAL).insertOne({ _id: 'leased:1' as never, kind: 'x', state: 'pending', createdAt: new Date(),
      leaseUntil: new Date(Date.now() + 60_000), postings: [{ account: 'external:leased', amount: -3 }, { account: 'leased:b', amount: 3 }] });
    assert.equal(await repairBalances(server.db), 0);
    assert.equal(await balanceOf(server.db, 'leased:b'), 0);
    assert.equal(await repairBalances(server.db, { takeOver: true }), 1);
    assert.equal(await balanceOf(server.db, 'leased:b'), 3);
  });

  it('writes the entry of a guarded debit whose writer died before the journal insert, with its records', async () => {
    const wallet = accounts.user('crash-debit');
    await postEntry(server.db, deposit('deposit:crash-debit', wallet, 100));
    const entry = prepareEntry({ _id: 'payout.request:crash-debit', kind: 'payout.request', postings: [
      { account: wallet, amount: -40 }, { account: accounts.pendingPayouts, amount: 40 }] });
    const intent: DebitIntent = { id: entry._id, token: 't-1', amount: -40, at: longAgo(), entry,
      records: [{ collection: 'crash_records', doc: { _id: 'record-1', what: 'the payout doc' } }] };
    // What the guarded update leaves when the process dies right after it.
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: -40 }, $push: { intents: intent } });
    assert.equal(await balanceOf(server.db, wallet), 60);
    assert.equal(await repairBalances(server.db), 1);
    const stored = await server.db.collection(JOURNAL).findOne({ _id: entry._id as never });
    assert.equal(stored?.state, 'applied');
    assert.equal(await balanceFromJournal(server.db, wallet), 60);
    assert.equal(await balanceOf(server.db, wallet), 60, 'the debit is not taken twice');
    assert.ok(await server.db.collection('crash_records').findOne({ _id: 'record-1' as never }));
    assert.deepEqual((await balances(server.db).findOne({ _id: wallet }))!.intents, []);
  });

  it('gives back a second debit of an entry that is already written (two writers raced on one id)', async () => {
    const wallet = accounts.user('dup-debit');
    await postEntry(server.db, deposit('deposit:dup-debit', wallet, 100));
    const entry = { _id: 'payout.request:dup', kind: 'payout.request', postings: [
      { account: wallet, amount: -30 }, { account: accounts.pendingPayouts, amount: 30 }] };
    await postEntry(server.db, entry);
    // A writer that read "no entry" before the first finished, then took the money again and died.
    const intent: DebitIntent = { id: entry._id, token: 'late', amount: -30, at: longAgo(), entry: prepareEntry(entry) };
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: -30 }, $push: { intents: intent } });
    assert.equal(await repairBalances(server.db), 0, 'nothing written: the debit is given back');
    assert.equal(await balanceOf(server.db, wallet), 70);
    assert.equal(await balanceFromJournal(server.db, wallet), 70);
  });

  it('clears what a writer left after marking its entry applied, without applying anything again', async () => {
    const wallet = accounts.user('leftovers');
    await postEntry(server.db, deposit('deposit:leftovers', wallet, 100));
    const entry = { _id: 'payout.request:leftovers', kind: 'payout.request', postings: [
      { account: wallet, amount: -60 }, { account: accounts.pendingPayouts, amount: 60 }] };
    await postEntry(server.db, entry);
    const stored = (await server.db.collection(JOURNAL).findOne({ _id: entry._id as never }))!;
    const pendingBefore = await balanceOf(server.db, accounts.pendingPayouts);
    // Died after marking it applied: the credit's marker and the debit's intent are still there.
    const intent: DebitIntent = { id: entry._id, token: stored.debitToken, amount: -60, at: longAgo(), entry: prepareEntry(entry) };
    await balances(server.db).updateOne({ _id: wallet }, { $push: { intents: intent } });
    await balances(server.db).updateOne({ _id: accounts.pendingPayouts }, { $push: { applying: entry._id } });
    assert.equal(await postEntry(server.db, entry), false, 'posting it again clears the leftovers');
    assert.deepEqual((await balances(server.db).findOne({ _id: wallet }))!.intents, []);
    assert.ok(!(await balances(server.db).findOne({ _id: accounts.pendingPayouts }))!.applying!.includes(entry._id));
    // Died after clearing the markers, before removing the intent: the repair must not credit again.
    await balances(server.db).updateOne({ _id: wallet }, { $push: { intents: intent } });
    assert.equal(await repairBalances(server.db), 1);
    assert.deepEqual((await balances(server.db).findOne({ _id: wallet }))!.intents, []);
    assert.equal(await balanceOf(server.db, accounts.pendingPayouts), pendingBefore);
    assert.equal(await balanceOf(server.db, wallet), 40);
    // A marker of an applied entry left alone is swept by the repair.
    await balances(server.db).updateOne({ _id: accounts.pendingPayouts }, { $push: { applying: entry._id } });
    await repairBalances(server.db);
    assert.ok(!(await balances(server.db).findOne({ _id: accounts.pendingPayouts }))!.applying!.includes(entry._id));
    assert.equal(await balanceOf(server.db, accounts.pendingPayouts), pendingBefore);
  });

  it('keeps a hot account exact under concurrent writers (no lost or doubled updates)', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ _id: `hot:${i}`, kind: 'deposit', postings: [
      { account: 'external:hot-source', amount: -(i + 1) }, { account: `hot:user:${i % 7}`, amount: i + 1 }] }));
    // Every entry posted three times at once: each must count exactly once.
    await Promise.all([...entries, ...entries, ...entries].map((entry) => postEntry(server.db, entry)));
    const total = (60 * 61) / 2;
    assert.equal(await balanceOf(server.db, 'external:hot-source'), -total);
    assert.equal(await balanceFromJournal(server.db, 'external:hot-source'), -total);
    let listed = 0;
    for await (const doc of cachedBalances(server.db)) {
      if (doc._id.startsWith('hot:')) {
        listed += doc.amount;
        assert.equal(doc.amount, await balanceFromJournal(server.db, doc._id));
      }
    }
    assert.equal(listed, total);
  });

  it('applies a run\'s credits once per account, also when the stage runs again', async () => {
    const credits: Array<[string, number]> = [['credit:a', 40], ['credit:b', 70]];
    await applyManyOnce(server.db, credits, 'run:2026-02');
    await applyManyOnce(server.db, [...credits, ['credit:c', 5]], 'run:2026-02');
    await applyManyOnce(server.db, credits, 'run:2026-03');
    assert.equal(await balanceOf(server.db, 'credit:a'), 80);
    assert.equal(await balanceOf(server.db, 'credit:b'), 140);
    assert.equal(await balanceOf(server.db, 'credit:c'), 5);
  });

  /**
   * What MongoDB does to two upserts racing to create one balance document
   * whose filter is not equality-only (`applying: {$ne}`): both match
   * nothing, one inserts, the other gets E11000 and is not retried by the
   * server. The stand-in serialises them, so this wrapper makes the race
   * happen: on an upsert it first lets "the other writer" insert the
   * document (without this call's marker), then answers E11000 for it.
   */
  function racingUpserts(db: Db, rival: (account: string) => BalanceDoc): Db {
    const raced = new Set<string>();
    const real = balances(db);
    const duplicate = () => Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
    const wrapped = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'updateOne') {
          return async (filter: { _id: string }, update: never, options?: { upsert?: boolean }) => {
            if (options?.upsert && !raced.has(filter._id) && !(await real.findOne({ _id: filter._id }))) {
              raced.add(filter._id);
              await real.insertOne(rival(filter._id));
              throw duplicate();
            }
            return real.updateOne(filter, update, options);
          };
        }
        if (key === 'bulkWrite') {
          return async (ops: Array<{ updateOne: { filter: { _id: string }; upsert?: boolean } }>, options: never) => {
            const exists = new Set((await real.find({ _id: { $in: ops.map((op) => op.updateOne.filter._id) } }).toArray()).map((d) => d._id));
            const racing = ops.map((op, index) => ({ op, index }))
              .filter(({ op }) => op.updateOne.upsert && !raced.has(op.updateOne.filter._id) && !exists.has(op.updateOne.filter._id));
            if (racing.length === 0) return real.bulkWrite(ops as never, options);
            const rest = ops.filter((_, i) => !racing.some((r) => r.index === i));
            if (rest.length) await real.bulkWrite(rest as never, options);
            for (const { op } of racing) {
              raced.add(op.updateOne.filter._id);
              await real.insertOne(rival(op.updateOne.filter._id));
            }
            throw Object.assign(new Error('E11000 duplicate key error'), { code: 11000, writeErrors: racing.map(({ index }) => ({ index, code: 11000 })) });
          };
        }
        return Reflect.get(target, key, receiver);
      },
    });
    return Object.assign(Object.create(db) as Db, { collection: (name: string) => (name === BALANCES ? wrapped : db.collection(name)) });
  }

  it('applies a credit that lost the race to create its account (E11000 from a concurrent upsert) instead of taking it for applied', async () => {
    // The other writer's upsert created the account with its own credit and marker.
    const db = racingUpserts(server.db, (account) => ({ _id: account, amount: 25, applying: ['deposit:rival'] }));
    const entry = deposit('deposit:race-first', accounts.user('race-first'), 40);
    assert.equal(await postEntry(db, entry), true);
    assert.equal(await balanceOf(server.db, accounts.user('race-first')), 65, 'both first credits are in the account');
    // A marker that is there really means applied: the same update without upsert matches nothing.
    assert.equal(await applyOnce(racingUpserts(server.db, (account) => ({ _id: account, amount: 7, applying: ['m-1'] })), 'race:marked', 7, 'm-1'), false);
    assert.equal(await balanceOf(server.db, 'race:marked'), 7);

    // race:bulk-b exists already (its op is not racing); race:bulk-a is created by the rival meanwhile.
    const credits: Array<[string, number]> = [['race:bulk-a', 10], ['race:bulk-b', 20]];
    await balances(server.db).insertOne({ _id: 'race:bulk-b', amount: 1 });
    await applyManyOnce(racingUpserts(server.db, (account) => ({ _id: account, amount: 3 })), credits, 'run:2026-06');
    assert.equal(await balanceOf(server.db, 'race:bulk-a'), 13, 'the credit that met E11000 is applied to the document the rival created');
    assert.equal(await balanceOf(server.db, 'race:bulk-b'), 21);
    await applyManyOnce(server.db, credits, 'run:2026-06');
    assert.equal(await balanceOf(server.db, 'race:bulk-a'), 13, 'and only once');
  });

  it('reserves once per period, and a payout can take only what is not reserved', async () => {
    const wallet = accounts.user('reserve');
    await postEntry(server.db, deposit('deposit:reserve', wallet, 500));
    const seen = (await balances(server.db).findOne({ _id: wallet }))!;
    const first = await reserveMany(server.db, '2026-04', [{ account: wallet, budget: 300, seen }]);
    // A resumed snapshot reads the wallet again: the reservation is found, not taken twice.
    const again = await reserveMany(server.db, '2026-04', [{ account: wallet, budget: 300, seen: (await balances(server.db).findOne({ _id: wallet }))! }]);
    assert.equal(first.get(wallet), 300);
    assert.equal(again.get(wallet), 300);
    assert.equal(await balanceOf(server.db, wallet), 200);
    await assert.rejects(postEntry(server.db, { _id: 'payout.request:reserve', kind: 'payout.request', postings: [
      { account: wallet, amount: -201 }, { account: accounts.pendingPayouts, amount: 201 }] }), InsufficientFundsError);
    // A stale read (the payout took money after it) makes the guard fail: the reservation is retried from a fresh read.
    const stale = await reserveMany(server.db, '2026-05', [{ account: wallet, budget: 1000, seen: { amount: 500 } }]);
    assert.equal(stale.get(wallet), 200);
    await settleMany(server.db, '2026-04', [{ account: wallet, reserved: 300, contribution: 250 }]);
    await settleMany(server.db, '2026-04', [{ account: wallet, reserved: 300, contribution: 250 }]);
    await settleMany(server.db, '2026-05', [{ account: wallet, reserved: 200, contribution: 0 }]);
    assert.deepEqual(await balances(server.db).findOne({ _id: wallet }, { projection: { amount: 1, reserved: 1 } }), { _id: wallet, amount: 250, reserved: {} });
  });
});
