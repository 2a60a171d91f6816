import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { compareRecords, type ResolvedTransaction } from '../src/reconciliation/index.js';
import type { JournalEntry } from '../src/money/index.js';
import {
  deliverStripeEvent, signup, startMailpit, startStripeMock, startTestServer, stripeEvent, stripeTestEnv, testClient,
  type Mailpit, type StripeMock, type TestServer,
} from '../src/testing/index.js';

type Txn = ResolvedTransaction['transaction'];
const txn = (id: string, type: Stripe.BalanceTransaction['type'], amount: number, fee = 0): Txn => ({ id, type, amount, fee, created: Date.UTC(2026, 4, 3) / 1000, currency: 'eur' });
const entry = (id: string, external: string, amount: number): Pick<JournalEntry, '_id' | 'postings' | 'createdAt'> => ({
  _id: id, createdAt: new Date('2026-05-03T00:00:00Z'),
  postings: [{ account: external, amount }, { account: 'user:x', amount: -amount }],
});

describe('reconciliation: Stripe\'s balance transactions beside the journal', () => {
  it('matches by deterministic id and lists every difference', () => {
    const deposit = entry('deposit:stripe:pi_1', 'external:deposits', -2000);
    const refund = entry('refund:stripe:re_1', 'external:deposits', 500);
    const payout = entry('payout.paid:p1', 'external:payouts', 1800);
    const wrong = entry('deposit:stripe:pi_2', 'external:deposits', -999);
    const unseen = entry('deposit:stripe:pi_3', 'external:deposits', -300);
    const rows = compareRecords(
      [
        { transaction: txn('txn_1', 'charge', 2000, 59), entryId: 'deposit:stripe:pi_1' },
        { transaction: txn('txn_2', 'refund', -500), entryId: 'refund:stripe:re_1' },
        { transaction: txn('txn_3', 'transfer', -1800), entryId: 'payout.paid:p1' },
        { transaction: txn('txn_4', 'charge', 1000), entryId: 'deposit:stripe:pi_2' },
        { transaction: txn('txn_5', 'charge', 700), entryId: 'deposit:stripe:pi_missing' },
        { transaction: txn('txn_6', 'stripe_fee', -25), entryId: null },
      ],
      new Map([deposit, refund, payout, wrong].map((e) => [e._id, e])),
      [deposit, refund, payout, wrong, unseen],
    );
    const byStatus = (status: string) => rows.filter((r) => r.status === status).map((r) => r.stripeId ?? r.entryId);
    assert.deepEqual(byStatus('matched'), ['txn_1', 'txn_2', 'txn_3']);
    assert.deepEqual(byStatus('amount_differs'), ['txn_4']);
    assert.deepEqual(byStatus('only_in_stripe'), ['txn_5']);
    assert.deepEqual(byStatus('only_in_journal'), ['deposit:stripe:pi_3']);
    assert.deepEqual(byStatus('not_journaled'), ['txn_6']);
    assert.deepEqual(rows.find((r) => r.stripeId === 'txn_4'), {
      status: 'amount_differs', stripeId: 'txn_4', type: 'charge', stripeAmount: 1000, stripeFee: 0, entryId: 'deposit:stripe:pi_2', journalAmount: 999, created: '2026-05-03T00:00:00.000Z',
    });
  });
});

describe('CLI: stripe reconcile, mail monthly, payouts auto', () => {
  let mock: StripeMock;
  let mailpit: Mailpit;
  let server: TestServer;
  before(async () => {
    [mock, mailpit] = await Promise.all([startStripeMock(), startMailpit()]);
    server = await startTestServer({ env: { ...stripeTestEnv(mock.url), SMTP_URL: mailpit.smtpUrl, MAIL_FROM: 'Flattr <noreply@flattr.test>' } });
  });
  after(async () => {
    await server?.close();
    await Promise.all([mock?.stop(), mailpit?.stop()]);
  });

  const cli = (args: string[], env: Record<string, string> = {}) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['bin/flattr-server.mjs', ...args], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        ...process.env, MONGODB_URI: server.config.mongodbUri, MONGODB_DB: server.config.mongodbDb, PUBLIC_URL: server.url,
        ...stripeTestEnv(mock.url), SMTP_URL: mailpit.smtpUrl, MAIL_FROM: 'Flattr <noreply@flattr.test>', ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

  it('reconciles a month against Stripe: a table, exit code 1 on differences, JSON on request', async () => {
    const reader = await signup(testClient(server.url));
    server.clock.set(new Date());
    await deliverStripeEvent(server.url, stripeEvent('payment_intent.succeeded', {
      id: `pi_cli_${randomBytes(4).toString('hex')}`, object: 'payment_intent', status: 'succeeded', amount: 1000, amount_received: 1000, currency: 'eur', metadata: { flattrUserId: reader.id },
    }));
    const now = new Date();
    const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const before = mock.calls.length;
    const res = await cli(['stripe', 'reconcile', '--period', period]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /only_in_journal/);
    assert.match(res.stdout, /difference\(s\)/);
    assert.ok(mock.calls.slice(before).some((c) => c.path.startsWith('/v1/balance_transactions')));
    const json = await cli(['stripe', 'reconcile', '--period', period, '--json']);
    assert.ok(JSON.parse(json.stdout).rows.length >= 2);
    const off = await cli(['stripe', 'reconcile', '--period', period], { STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' });
    assert.equal(off.code, 2);
    assert.match(off.stderr, /Stripe is not configured/);
  });

  it('refuses mail for a month that is not distributed, and automatic payouts without a threshold', async () => {
    const mail = await cli(['mail', 'monthly', '--period', '2020-01']);
    assert.notEqual(mail.code, 0);
    assert.match(mail.stderr, /not distributed/);
    const auto = await cli(['payouts', 'auto', '--period', '2020-01']);
    assert.equal(auto.code, 2);
    assert.match(auto.stderr, /PAYOUT_AUTO_THRESHOLD/);
  });
});
