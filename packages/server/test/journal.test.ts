import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accounts, appendToChains, balanceFromJournal, balanceOf, cachedBalances, postEntry, repairBalances, BALANCES, JOURNAL } from '../src/money/index.js';
import { startTestServer, type TestServer } from '../src/testing/index.js';

describe('journal', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('writes an entry once and applies it once to the cached balances', async () => {
    const entry = { _id: 'deposit:test-1', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -500 }, { account: accounts.user('a'), amount: 500 }] };
    assert.equal(await postEntry(server.db, entry), true);
    assert.equal(await postEntry(server.db, entry), false);
    assert.equal(await balanceOf(server.db, accounts.user('a')), 500);
    assert.equal(await balanceFromJournal(server.db, accounts.user('a')), 500);
  });

  it('applies an entry once when the same entry is posted many times at once', async () => {
    const entry = { _id: 'deposit:concurrent-1', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -100 }, { account: accounts.user('concurrent'), amount: 100 }] };
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(Array.from({ length: 20 }, () => postEntry(server.db, { ...entry, _id: `${entry._id}:${round}` })));
      assert.equal(results.filter(Boolean).length, 1);
    }
    assert.equal(await balanceOf(server.db, accounts.user('concurrent')), 500);
    assert.equal(await balanceFromJournal(server.db, accounts.user('concurrent')), 500);
  });

  it('refuses entries that do not sum to zero or are not integer minor units', async () => {
    await assert.rejects(postEntry(server.db, { _id: 'bad-1', kind: 'x', postings: [{ account: 'a', amount: 1 }] }), /sum to zero/);
    await assert.rejects(postEntry(server.db, { _id: 'bad-2', kind: 'x', postings: [{ account: 'a', amount: 0.5 }, { account: 'b', amount: -0.5 }] }), /integer/);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: { $in: ['bad-1', 'bad-2'] } as never }), 0);
  });

  it('refuses to reuse an id for a different movement', async () => {
    await postEntry(server.db, { _id: 'same-id', kind: 'x', postings: [{ account: 'p', amount: -1 }, { account: 'q', amount: 1 }] });
    await assert.rejects(postEntry(server.db, { _id: 'same-id', kind: 'x', postings: [{ account: 'p', amount: -2 }, { account: 'q', amount: 2 }] }), /different movement/);
  });

  it('completes an entry left pending by a crash, without applying it twice', async () => {
    // Simulate a writer that inserted the entry and applied one posting, then died.
    const id = 'crash:1';
    await server.db.collection(JOURNAL).insertOne({ _id: id as never, kind: 'x', state: 'pending', createdAt: new Date(),
      postings: [{ account: 'crash:a', amount: -7 }, { account: 'crash:b', amount: 7 }] });
    await server.db.collection(BALANCES).insertOne({ _id: 'crash:a#1' as never, account: 'crash:a', seq: 1, amount: -7, entryIds: [id], at: new Date() });
    assert.equal(await repairBalances(server.db), 1);
    assert.equal(await balanceOf(server.db, 'crash:a'), -7);
    assert.equal(await balanceOf(server.db, 'crash:b'), 7);
    assert.equal(await repairBalances(server.db), 0);
    assert.equal(await balanceOf(server.db, 'crash:a'), -7);
  });

  it('keeps a hot account exact under concurrent writers (no lost or doubled updates)', async () => {
    const deposits = Array.from({ length: 60 }, (_, i) => ({ _id: `hot:${i}`, kind: 'deposit', postings: [
      { account: 'hot:source', amount: -(i + 1) }, { account: `hot:user:${i % 7}`, amount: i + 1 }] }));
    // Every entry posted three times at once: each must count exactly once.
    await Promise.all([...deposits, ...deposits, ...deposits].map((entry) => postEntry(server.db, entry)));
    const total = (60 * 61) / 2;
    assert.equal(await balanceOf(server.db, 'hot:source'), -total);
    assert.equal(await balanceFromJournal(server.db, 'hot:source'), -total);
    for (let k = 0; k < 7; k++) {
      assert.equal(await balanceOf(server.db, `hot:user:${k}`), await balanceFromJournal(server.db, `hot:user:${k}`));
    }
    let listed = 0;
    for await (const { account, amount } of cachedBalances(server.db)) {
      if (account.startsWith('hot:')) listed += amount;
    }
    assert.equal(listed, 0);
  });

  it('appends links at known heads, and walks past links others added since', async () => {
    await postEntry(server.db, { _id: 'chain:deposit:1', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -100 }, { account: 'chain:a', amount: 100 }] });
    // The writer read the head (seq 1, 100); then a deposit moved it on.
    await postEntry(server.db, { _id: 'chain:deposit:2', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -50 }, { account: 'chain:a', amount: 50 }] });
    await appendToChains(server.db, [
      { account: 'chain:a', head: { seq: 1, amount: 100 }, delta: -30, entryIds: ['chain:debit:a'] },
      { account: 'chain:b', head: { seq: 0, amount: 0 }, delta: 30, entryIds: [], run: '2026-01' },
    ]);
    assert.equal(await balanceOf(server.db, 'chain:a'), 120);
    assert.equal(await balanceOf(server.db, 'chain:b'), 30);
    const links = await server.db.collection(BALANCES).find({ account: 'chain:a' }).sort({ seq: 1 }).toArray();
    assert.deepEqual(links.map((l) => [l.seq, l.amount]), [[1, 100], [2, 150], [3, 120]]);
  });

  it('does not append twice what a link on the chain already applies (a writer resumed after a crash)', async () => {
    const debit = { account: 'chain:c', head: { seq: 0, amount: 0 }, delta: 40, entryIds: ['chain:credit:c'] };
    const credit = { account: 'chain:d', head: { seq: 0, amount: 0 }, delta: 70, entryIds: [], run: '2026-02' };
    await appendToChains(server.db, [debit, credit]);
    await postEntry(server.db, { _id: 'chain:deposit:3', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -5 }, { account: 'chain:c', amount: 5 }] });
    await appendToChains(server.db, [debit, credit]);
    await appendToChains(server.db, [debit, credit]);
    assert.equal(await balanceOf(server.db, 'chain:c'), 45);
    assert.equal(await balanceOf(server.db, 'chain:d'), 70);
    // A credit link of another run is a different thing: it is added.
    await appendToChains(server.db, [{ ...credit, run: '2026-03' }]);
    assert.equal(await balanceOf(server.db, 'chain:d'), 140);
  });

  it('keeps an account exact when bulk appends race with concurrent postEntry writers', async () => {
    const deposits = Array.from({ length: 30 }, (_, i) => ({ _id: `race:${i}`, kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -(i + 1) }, { account: 'chain:race', amount: i + 1 }] }));
    const appends = Array.from({ length: 5 }, (_, i) => ({
      account: 'chain:race', head: { seq: 0, amount: 0 }, delta: 1000, entryIds: [], run: `2025-0${i + 1}`,
    }));
    await Promise.all([...deposits.map((d) => postEntry(server.db, d)), ...appends.map((a) => appendToChains(server.db, [a]))]);
    assert.equal(await balanceOf(server.db, 'chain:race'), (30 * 31) / 2 + 5000);
  });
});
