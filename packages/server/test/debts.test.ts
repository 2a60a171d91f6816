import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collectDebt, recordDeposit, recordReversal, stripeProvider } from '../src/deposits/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balanceFromJournal, balanceOf, postEntry } from '../src/money/index.js';
import { signup, startTestServer, testClient, type TestServer } from '../src/testing/index.js';

/** Debts from refunds and disputes: the ledger check's new invariants, and collection that never pays a debt twice. */
describe('debts', () => {
  let server: TestServer;
  before(async () => {
    // The Stripe provider must be on for its deposits; nothing here calls Stripe.
    server = await startTestServer({ env: { STRIPE_SECRET_KEY: 'sk_test_debts', STRIPE_WEBHOOK_SECRET: 'whsec_debts', STRIPE_API_BASE: 'http://127.0.0.1:9' } });
  });
  after(async () => { await server.close(); });

  async function owingReader(deposit: number, spent: number, reversed: number) {
    const user = await signup(testClient(server.url));
    const pi = `pi_debt_${user.id}`;
    await recordDeposit(server.ctx, stripeProvider, { reference: pi, userId: user.id, amount: deposit });
    // Spent elsewhere: a payout request takes it out of the wallet.
    await postEntry(server.db, { _id: `test.spend:${user.id}`, kind: 'payout.request', postings: [{ account: accounts.user(user.id), amount: -spent }, { account: accounts.pendingPayouts, amount: spent }] });
    await recordReversal(server.ctx, stripeProvider, { kind: 'dispute', reference: `dp_${user.id}`, depositReference: pi, amount: reversed });
    return user;
  }

  it('collects a debt once however many collectors run at once (a per-user lease)', async () => {
    const user = await owingReader(1000, 1000, 1000);
    assert.equal(await balanceFromJournal(server.db, accounts.debt(user.id)), -1000);
    await postEntry(server.db, { _id: `test.earn:${user.id}`, kind: 'deposit', postings: [{ account: accounts.deposits, amount: -5000 }, { account: accounts.user(user.id), amount: 5000 }] });
    const collected = await Promise.all(Array.from({ length: 12 }, () => collectDebt(server.ctx, user.id)));
    assert.equal(collected.reduce((s, c) => s + c, 0), 1000, JSON.stringify(collected));
    assert.equal(await balanceFromJournal(server.db, accounts.debt(user.id)), 0);
    assert.equal(await balanceOf(server.db, accounts.user(user.id)), 4000);
    assert.equal(await collectDebt(server.ctx, user.id), 0);
    const report = await verifyLedger(server.ctx);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
  });

  it('collects what the wallet has and leaves the rest owed', async () => {
    const user = await owingReader(1000, 800, 1000);
    assert.equal(await balanceFromJournal(server.db, accounts.debt(user.id)), -800);
    await postEntry(server.db, { _id: `test.part:${user.id}`, kind: 'deposit', postings: [{ account: accounts.deposits, amount: -300 }, { account: accounts.user(user.id), amount: 300 }] });
    assert.equal(await collectDebt(server.ctx, user.id), 300);
    assert.equal(await balanceFromJournal(server.db, accounts.debt(user.id)), -500);
    assert.equal(await balanceOf(server.db, accounts.user(user.id)), 0);
    assert.deepEqual((await verifyLedger(server.ctx)).debts.owed >= 500, true);
  });

  it('reports a debt account above zero (debt_positive) and reversals beyond their deposit (the check can fail)', async () => {
    const user = await owingReader(500, 0, 100);
    await postEntry(server.db, { _id: `test.overpaid:${user.id}`, kind: 'debt.collect', postings: [{ account: accounts.user(user.id), amount: -50 }, { account: accounts.debt(user.id), amount: 50 }] });
    await postEntry(server.db, {
      _id: `refund:stripe:re_forged_${user.id}`, kind: 'refund',
      postings: [{ account: accounts.deposits, amount: 900 }, { account: accounts.debt(user.id), amount: -900 }],
      meta: { depositEntryId: `deposit:stripe:pi_debt_${user.id}`, amount: 900, userId: user.id },
    });
    await postEntry(server.db, { _id: `test.fix:${user.id}`, kind: 'debt.collect', postings: [{ account: accounts.deposits, amount: -1000 }, { account: accounts.debt(user.id), amount: 1000 }] });
    const report = await verifyLedger(server.ctx);
    assert.equal(report.ok, false);
    assert.ok(report.violations.some((v) => v.kind === 'debt_positive' && v.account === accounts.debt(user.id)), JSON.stringify(report.violations));
    assert.ok(report.violations.some((v) => v.kind === 'reversal_exceeds_deposit' && v.depositEntryId === `deposit:stripe:pi_debt_${user.id}`));
  });
});
