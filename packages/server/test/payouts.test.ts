import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { accounts, balanceFromJournal, balanceOf, balances, JOURNAL, postEntry, prepareEntry } from '../src/money/index.js';
import { formatMinorUnits, PAYOUTS, toCsv } from '../src/payouts/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('payout CSV helpers', () => {
  it('formats minor units in the currency\'s precision', () => {
    assert.equal(formatMinorUnits(1234, 'EUR'), '12.34');
    assert.equal(formatMinorUnits(5, 'EUR'), '0.05');
    assert.equal(formatMinorUnits(100, 'USD'), '1.00');
    assert.equal(formatMinorUnits(1234, 'JPY'), '1234');
    assert.equal(formatMinorUnits(1234, 'KWD'), '1.234');
    assert.equal(formatMinorUnits(-250, 'EUR'), '-2.50');
    assert.equal(formatMinorUnits(9_007_199_254_740_991, 'EUR'), '90071992547409.91');
  });

  it('writes RFC 4180 CSV and defuses spreadsheet formulas', () => {
    assert.equal(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=SUM(A1)', 3], ['line\nbreak', '@me']]),
      'a,b\r\n"x,y","say ""hi"""\r\n\'=SUM(A1),3\r\n"line\nbreak",\'@me\r\n');
  });
});

describe('payouts', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  let creator: TestUser;
  let firstId: string;

  before(async () => {
    server = await startTestServer({ env: { CURRENCY: 'EUR' } });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
    creator = await signup(api);
    const deposit = await api.post('/v1/admin/deposits', { userId: creator.id, amount: 10_000, reference: 'payout-test-1' }, { token: admin.token });
    assert.equal(deposit.status, 201, deposit.text);
  });
  after(async () => { await server.close(); });

  it('moves a requested amount from the wallet to payouts:pending (201)', async () => {
    const res = await api.post('/v1/me/payouts', { amount: 3000 }, { token: creator.token });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.amount, 3000);
    assert.equal(res.body.currency, 'EUR');
    assert.equal(res.body.status, 'requested');
    assert.equal(res.body.userId, creator.id);
    assert.equal(res.body.paidAt, null);
    firstId = res.body.id;
    const entry = await server.db.collection(JOURNAL).findOne({ _id: `payout.request:${firstId}` as never });
    assert.ok(entry);
    assert.equal(entry.kind, 'payout.request');
    assert.deepEqual(entry.postings, [
      { account: accounts.user(creator.id), amount: -3000 },
      { account: 'payouts:pending', amount: 3000 },
    ]);
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 7000);
    assert.equal(await balanceOf(server.db, accounts.pendingPayouts), 3000);
  });

  it('refuses more than the balance (422 insufficient_funds) and bad amounts (400)', async () => {
    const res = await api.post('/v1/me/payouts', { amount: 7001 }, { token: creator.token });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'insufficient_funds');
    assert.equal(res.body.available, 7000);
    for (const amount of [0, -5, 1.5, '10', null, 2 ** 53]) {
      const bad = await api.post('/v1/me/payouts', { amount }, { token: creator.token });
      assert.equal(bad.status, 400, `amount ${amount}`);
      assert.equal(bad.body.code, 'validation_failed');
    }
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 7000);
  });

  it('refuses anonymous callers and non-login credentials', async () => {
    assert.equal((await api.post('/v1/me/payouts', { amount: 1 })).status, 401);
    const pat = await api.post('/v1/me/tokens', { name: 'script', scopes: ['read', 'things'] }, { token: creator.token });
    assert.equal(pat.status, 201, pat.text);
    const res = await api.post('/v1/me/payouts', { amount: 1 }, { token: pat.body.token });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'credential_not_allowed');
  });

  it('takes only money a running distribution has not reserved', async () => {
    const wallet = accounts.user(creator.id);
    // What a run's snapshot does to the wallet: 6000 of 7000 reserved for its period.
    await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: -6000 }, $set: { 'reserved.2001-01': 6000 } });
    try {
      const res = await api.post('/v1/me/payouts', { amount: 1001 }, { token: creator.token });
      assert.equal(res.status, 422);
      assert.equal(res.body.code, 'insufficient_funds');
      assert.equal(res.body.available, 1000);
      assert.equal((await api.get('/v1/me/payouts', { token: creator.token })).body.available, 1000);
    } finally {
      await balances(server.db).updateOne({ _id: wallet }, { $inc: { amount: 6000 }, $unset: { 'reserved.2001-01': '' } });
    }
    assert.equal(await balanceOf(server.db, wallet), 7000);
  });

  it('cannot be overdrawn by simultaneous requests', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => api.post('/v1/me/payouts', { amount: 4000 }, { token: creator.token })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
    for (const r of results.filter((x) => x.status !== 201)) {
      assert.equal(r.body.code, 'insufficient_funds', r.text);
    }
    assert.equal(await balanceFromJournal(server.db, accounts.user(creator.id)), 3000);
    assert.equal(await balanceFromJournal(server.db, accounts.pendingPayouts), 7000);
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 3000);
  });

  it('lists the caller\'s payouts, newest first, with what is available', async () => {
    const res = await api.get('/v1/me/payouts', { token: creator.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.available, 3000);
    assert.deepEqual(res.body.items.map((p: { amount: number }) => p.amount), [4000, 3000]);
    const other = await signup(api);
    assert.deepEqual((await api.get('/v1/me/payouts', { token: other.token })).body.items, []);
  });

  it('lists payouts due for admins only', async () => {
    assert.equal((await api.get('/v1/admin/payouts', { token: creator.token })).status, 403);
    const res = await api.get('/v1/admin/payouts', { token: admin.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items.map((p: { amount: number }) => p.amount), [3000, 4000]);
    assert.ok(res.body.items.every((p: { email: string; status: string }) => p.email === creator.email && p.status === 'requested'));
  });

  it('exports the payouts due as CSV', async () => {
    const due = (await api.get('/v1/admin/payouts', { token: admin.token })).body.items;
    const res = await api.get('/v1/admin/payouts?format=csv', { token: admin.token });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="payouts-requested.csv"/);
    const lines = res.text.split('\r\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines, [
      'id,user_id,email,amount_minor,amount,currency,requested_at',
      ...due.map((p: { id: string; requestedAt: string; amount: number }) =>
        `${p.id},${creator.id},${creator.email},${p.amount},${(p.amount / 100).toFixed(2)},EUR,${p.requestedAt}`),
    ]);
    assert.ok(lines[1]!.includes(',3000,30.00,EUR,'));
  });

  it('marks a payout paid with a reference; again answers the same (200), another reference 409', async () => {
    const res = await api.post(`/v1/admin/payouts/${firstId}/paid`, { reference: 'BANK-2026-001' }, { token: admin.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'paid');
    assert.equal(res.body.reference, 'BANK-2026-001');
    assert.ok(res.body.paidAt);
    const entry = await server.db.collection(JOURNAL).findOne({ _id: `payout.paid:${firstId}` as never });
    assert.deepEqual(entry!.postings, [{ account: 'payouts:pending', amount: -3000 }, { account: accounts.payouts, amount: 3000 }]);
    assert.equal(await balanceOf(server.db, accounts.pendingPayouts), 4000);
    assert.equal(await balanceOf(server.db, accounts.payouts), 3000);

    const again = await api.post(`/v1/admin/payouts/${firstId}/paid`, { reference: 'BANK-2026-001' }, { token: admin.token });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, res.body);
    assert.equal(await balanceOf(server.db, accounts.pendingPayouts), 4000);

    const other = await api.post(`/v1/admin/payouts/${firstId}/paid`, { reference: 'BANK-OTHER' }, { token: admin.token });
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'payout_already_paid');
    assert.equal(other.body.reference, 'BANK-2026-001');

    const mine = await api.get('/v1/me/payouts', { token: creator.token });
    assert.equal(mine.body.items.find((p: { id: string }) => p.id === firstId).status, 'paid');
    const due = await api.get('/v1/admin/payouts?format=csv', { token: admin.token });
    assert.ok(!due.text.includes(firstId));
    const paid = await api.get('/v1/admin/payouts?status=paid', { token: admin.token });
    assert.deepEqual(paid.body.items.map((p: { id: string }) => p.id), [firstId]);
  });

  it('answers 404, 403 and 400 for bad mark-paid requests', async () => {
    assert.equal((await api.post(`/v1/admin/payouts/${new ObjectId().toHexString()}/paid`, { reference: 'x' }, { token: admin.token })).body.code, 'payout_not_found');
    assert.equal((await api.post('/v1/admin/payouts/nope/paid', { reference: 'x' }, { token: admin.token })).status, 404);
    assert.equal((await api.post(`/v1/admin/payouts/${firstId}/paid`, { reference: 'x' }, { token: creator.token })).status, 403);
    assert.equal((await api.post(`/v1/admin/payouts/${firstId}/paid`, { reference: '  ' }, { token: admin.token })).status, 400);
    assert.equal((await api.get('/v1/admin/payouts?status=lost', { token: admin.token })).status, 400);
  });

  it('lets one reference win when two admins mark one payout at once', async () => {
    const second = (await api.get('/v1/admin/payouts', { token: admin.token })).body.items[0].id;
    const results = await Promise.all(['REF-A', 'REF-B', 'REF-A', 'REF-B'].map((reference) =>
      api.post(`/v1/admin/payouts/${second}/paid`, { reference }, { token: admin.token })));
    const winners = results.filter((r) => r.status === 200);
    assert.ok(winners.length >= 1);
    const reference = winners[0]!.body.reference;
    assert.ok(winners.every((r) => r.body.reference === reference));
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 409 && r.body.reference === reference));
    assert.equal(await balanceFromJournal(server.db, accounts.pendingPayouts), 0);
    assert.equal(await balanceFromJournal(server.db, accounts.payouts), 7000);
  });

  it('finishes payouts a crash left behind their journal before listing them', async () => {
    await api.post('/v1/admin/deposits', { userId: creator.id, amount: 500, reference: 'payout-test-2' }, { token: admin.token });
    const payouts = server.db.collection(PAYOUTS);
    // Crash 1: the guarded debit took the money (and recorded the entry and the payout doc in the wallet), then the process died.
    const stuck = new ObjectId();
    const longAgo = new Date(Date.now() - 3_600_000);
    const doc = { _id: stuck, userId: ObjectId.createFromHexString(creator.id), amount: 200, currency: 'EUR',
      status: 'requested', requestedAt: longAgo, paidAt: null, reference: null };
    const entry = prepareEntry({ _id: `payout.request:${stuck.toHexString()}`, kind: 'payout.request', postings: [
      { account: accounts.user(creator.id), amount: -200 }, { account: accounts.pendingPayouts, amount: 200 }],
    meta: { payoutId: stuck.toHexString(), userId: creator.id }, createdAt: longAgo });
    await balances(server.db).updateOne({ _id: accounts.user(creator.id) }, { $inc: { amount: -200 }, $push: { intents: {
      id: entry._id, token: 'crashed', amount: -200, at: longAgo, entry, records: [{ collection: PAYOUTS, doc }] } } });
    assert.equal(await payouts.countDocuments({ _id: stuck }), 0);
    // Crash 2: the paid entry was written, the doc not updated.
    const half = await api.post('/v1/me/payouts', { amount: 100 }, { token: creator.token });
    await postEntry(server.db, { _id: `payout.paid:${half.body.id}`, kind: 'payout.paid',
      postings: [{ account: 'payouts:pending', amount: -100 }, { account: accounts.payouts, amount: 100 }],
      meta: { payoutId: half.body.id, userId: creator.id, reference: 'BANK-CRASHED' } });

    const due = await api.get('/v1/admin/payouts', { token: admin.token });
    assert.deepEqual(due.body.items.map((p: { id: string }) => p.id), [stuck.toHexString()]);
    assert.ok(await server.db.collection(JOURNAL).findOne({ _id: `payout.request:${stuck.toHexString()}` as never }));
    const paid = await api.get('/v1/admin/payouts?status=paid', { token: admin.token });
    assert.equal(paid.body.items.find((p: { id: string }) => p.id === half.body.id).reference, 'BANK-CRASHED');
    assert.equal(await balanceFromJournal(server.db, accounts.user(creator.id)), 3000 + 500 - 200 - 100);
    assert.equal(await balanceFromJournal(server.db, accounts.pendingPayouts), 200);
  });
});
