import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balanceOf, JOURNAL } from '../src/money/index.js';
import { PAYOUTS } from '../src/payouts/index.js';
import {
  createAdmin, deliverStripeEvent, signup, startStripeMock, startTestServer, stripeEvent, stripeTestEnv, testClient,
  type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { PageBrowser, rowOf } from './helpers/pages.js';

describe('payouts through Stripe Connect (stripe-mock, signed webhooks)', () => {
  let mock: StripeMock;
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  before(async () => {
    mock = await startStripeMock();
    server = await startTestServer({ env: stripeTestEnv(mock.url) });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
  });
  after(async () => {
    await server?.close();
    await mock?.stop();
  });
  const deliver = (type: string, object: object) => deliverStripeEvent(server.url, stripeEvent(type, object as Record<string, unknown>));
  const wallet = (user: TestUser) => balanceOf(server.db, accounts.user(user.id));
  const ledgerOk = async () => {
    const report = await verifyLedger(server.ctx);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
  };
  const account = (id: string, ready: boolean): Partial<Stripe.Account> => ({
    id, object: 'account', type: 'express', details_submitted: ready, payouts_enabled: ready, capabilities: { transfers: ready ? 'active' : 'inactive' },
  });

  /** A creator with money in the wallet and a Stripe account that can receive transfers. */
  async function connectedCreator(amount: number): Promise<TestUser & { accountId: string }> {
    const creator = await signup(api);
    await api.post('/v1/admin/deposits', { userId: creator.id, amount, reference: `earn-${creator.id}` }, { token: admin.token });
    const res = await api.post('/v1/me/payout-destination/stripe', undefined, { token: creator.token });
    assert.equal(res.status, 200, res.text);
    assert.equal((await deliver('account.updated', account(res.body.accountId, true))).status, 200);
    return { ...creator, accountId: res.body.accountId };
  }

  it('onboards a creator: one Express account (idempotency key per user), an onboarding link, ready once Stripe says so', async () => {
    const creator = await signup(api);
    const before = mock.calls.length;
    const first = await api.post('/v1/me/payout-destination/stripe', undefined, { token: creator.token });
    assert.equal(first.status, 200, first.text);
    assert.match(first.body.accountId, /^acct_/);
    assert.match(first.body.url, /^https:\/\//);
    const calls = mock.calls.slice(before);
    const created = calls.find((c) => c.method === 'POST' && c.path === '/v1/accounts')!;
    assert.equal(created.params.type, 'express');
    assert.equal(created.params.email, creator.email);
    assert.equal(created.params['capabilities[transfers][requested]'], 'true');
    assert.equal(created.params['metadata[flattrUserId]'], creator.id);
    assert.equal(created.idempotencyKey, `connect-account:${creator.id}`);
    const link = calls.find((c) => c.path === '/v1/account_links')!;
    assert.equal(link.params.account, first.body.accountId);
    assert.equal(link.params.type, 'account_onboarding');
    assert.equal(link.params.return_url, `${server.url}/creator/payouts/stripe/return`);

    const again = await api.post('/v1/me/payout-destination/stripe', undefined, { token: creator.token });
    assert.equal(again.body.accountId, first.body.accountId, 'the same account, a new link');
    assert.equal(mock.calls.slice(before).filter((c) => c.path === '/v1/accounts').length, 1);

    assert.deepEqual((await api.get('/v1/me/payout-destination', { token: creator.token })).body, { method: 'stripe', stripe: { accountId: first.body.accountId, ready: false }, stripeAvailable: true, bank: null });
    await deliver('account.updated', account(first.body.accountId, true));
    assert.equal((await api.get('/v1/me/payout-destination', { token: creator.token })).body.stripe.ready, true);
  });

  it('connects from /creator\'s payouts section: CSRF, the redirect to Stripe\'s onboarding, the return asks Stripe and shows the state', async () => {
    const creator = await signup(api);
    const browser = new PageBrowser(server.url);
    await browser.logIn(creator.email, creator.password);
    const page = await browser.get('/creator');
    assert.match(page.headers.get('content-security-policy')!, /form-action 'self' https:\/\/connect\.stripe\.com/, 'the form may follow the redirect to Stripe');
    assert.match(page.text, /data-destination="manual"/);
    assert.match(page.text, />Connect a Stripe account</);
    assert.equal((await browser.postForm('/creator/payouts/stripe', {})).status, 403, 'no CSRF token');
    assert.equal(await server.db.collection('payout_destinations').countDocuments({ _id: creator.id as never }), 0, 'nothing written');
    const go = await browser.submit('/creator', '/creator/payouts/stripe', {});
    assert.equal(go.status, 303);
    assert.match(go.headers.get('location')!, /^https:\/\//);
    const back = await browser.get('/creator/payouts/stripe/return');
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), '/creator?done=stripe-return#payout-destination');
    assert.ok(mock.calls.some((c) => c.method === 'GET' && c.path.startsWith('/v1/accounts/acct_')), 'asked Stripe how the account stands');
    const shown = await browser.get('/creator?done=stripe-return');
    assert.match(shown.text, /data-destination="stripe"/);
    assert.match(shown.text, /needs more details before it can receive payouts/, 'stripe-mock\'s account has details_submitted: false');
    assert.match(shown.text, />Continue on Stripe</);
    const manual = await browser.submit('/creator', '/creator/payouts/manual', {});
    assert.equal(manual.headers.get('location'), '/creator?done=manual#payout-destination');
    assert.match((await browser.get('/creator')).text, /data-destination="manual"/);
  });

  it('pays an approved payout with one transfer (idempotency key payout:<id>) and records payout.paid with the transfer id', async () => {
    const creator = await connectedCreator(5000);
    const requested = await api.post('/v1/me/payouts', { amount: 3000 }, { token: creator.token });
    assert.equal(requested.status, 201);
    assert.equal(requested.body.method, 'stripe');
    assert.equal(await wallet(creator), 2000);
    const before = mock.calls.length;
    const approved = await api.post(`/v1/admin/payouts/${requested.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.status, 'paid');
    const transfer = mock.calls.slice(before).find((c) => c.method === 'POST' && c.path === '/v1/transfers')!;
    assert.equal(transfer.params.amount, '3000');
    assert.equal(transfer.params.currency, 'eur');
    assert.equal(transfer.params.destination, creator.accountId);
    assert.equal(transfer.params.transfer_group, `payout:${requested.body.id}`);
    assert.equal(transfer.params['metadata[flattrPayoutId]'], requested.body.id);
    assert.equal(transfer.idempotencyKey, `payout:${requested.body.id}`);
    assert.equal(approved.body.reference, transfer.response.id);
    const entry = await server.db.collection(JOURNAL).findOne({ _id: `payout.paid:${requested.body.id}` as never });
    assert.deepEqual(entry?.postings, [{ account: 'payouts:pending', amount: -3000 }, { account: 'external:payouts', amount: 3000 }]);
    assert.equal(entry?.meta.reference, transfer.response.id);

    // Approving again, the webhook of the transfer (twice): nothing more.
    const again = await api.post(`/v1/admin/payouts/${requested.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(again.body.status, 'paid');
    const created = { id: transfer.response.id, object: 'transfer', amount: 3000, currency: 'eur', destination: creator.accountId, metadata: { flattrPayoutId: requested.body.id }, amount_reversed: 0 };
    await deliver('transfer.created', created);
    await deliver('transfer.created', created);
    assert.equal(mock.calls.slice(before).filter((c) => c.method === 'POST' && c.path === '/v1/transfers').length, 1);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ kind: 'payout.paid', 'meta.payoutId': requested.body.id }), 1);
    // Paid by Stripe: no longer markable by hand.
    assert.equal((await api.post(`/v1/admin/payouts/${requested.body.id}/paid`, { reference: 'bank' }, { token: admin.token })).status, 409);
    await ledgerOk();
  });

  it('records the payment from transfer.created when the webhook comes before the approval\'s answer is recorded', async () => {
    const creator = await connectedCreator(1000);
    const requested = await api.post('/v1/me/payouts', { amount: 1000 }, { token: creator.token });
    await server.db.collection(PAYOUTS).updateOne({ _id: new (await import('mongodb')).ObjectId(requested.body.id) }, { $set: { status: 'transferring', claim: 'stripe' } });
    const res = await deliver('transfer.created', { id: 'tr_webhook_first', object: 'transfer', amount: 1000, currency: 'eur', metadata: { flattrPayoutId: requested.body.id }, amount_reversed: 0 });
    assert.equal(res.status, 200);
    const doc = (await api.get('/v1/admin/payouts?status=all', { token: admin.token })).body.items.find((p: { id: string }) => p.id === requested.body.id);
    assert.equal(doc.status, 'paid');
    assert.equal(doc.reference, 'tr_webhook_first');
    await ledgerOk();
  });

  it('fails a payout Stripe refuses to transfer (insufficient platform balance): payout.failed, the money back in the wallet', async () => {
    const creator = await connectedCreator(2500);
    const requested = await api.post('/v1/me/payouts', { amount: 2000 }, { token: creator.token });
    assert.equal(await wallet(creator), 500);
    // stripe-mock answers every valid request with success: the refusal comes from the recorder in front of it.
    mock.failNext('POST', '/v1/transfers', 400, { type: 'invalid_request_error', code: 'balance_insufficient', message: 'You have insufficient funds in your Stripe account.' });
    const res = await api.post(`/v1/admin/payouts/${requested.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'failed');
    assert.match(res.body.failure, /balance_insufficient/);
    assert.equal(await wallet(creator), 2500);
    const entry = await server.db.collection(JOURNAL).findOne({ _id: `payout.failed:${requested.body.id}` as never });
    assert.deepEqual(entry?.postings, [{ account: 'payouts:pending', amount: -2000 }, { account: accounts.user(creator.id), amount: 2000 }]);
    // A late transfer event for a failed payout changes nothing.
    await deliver('transfer.created', { id: 'tr_late', object: 'transfer', amount: 2000, currency: 'eur', metadata: { flattrPayoutId: requested.body.id }, amount_reversed: 0 });
    assert.equal(await wallet(creator), 2500);
    await ledgerOk();
  });

  it('leaves a payout transferring when Stripe does not answer (502), and pays it once on the next approval', async () => {
    const creator = await connectedCreator(800);
    const requested = await api.post('/v1/me/payouts', { amount: 800 }, { token: creator.token });
    mock.failNext('POST', '/v1/transfers', 500, { type: 'api_error', message: 'Stripe is down' });
    mock.failNext('POST', '/v1/transfers', 500, { type: 'api_error', message: 'Stripe is down' });
    mock.failNext('POST', '/v1/transfers', 500, { type: 'api_error', message: 'Stripe is down' });
    const down = await api.post(`/v1/admin/payouts/${requested.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(down.status, 502);
    assert.equal(down.body.code, 'stripe_unavailable');
    const list = (await api.get('/v1/admin/payouts?status=transferring', { token: admin.token })).body.items;
    assert.ok(list.some((p: { id: string }) => p.id === requested.body.id));
    const retried = await api.post(`/v1/admin/payouts/${requested.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(retried.body.status, 'paid');
    const keys = mock.calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers' && c.params['metadata[flattrPayoutId]'] === requested.body.id).map((c) => c.idempotencyKey);
    assert.ok(keys.length >= 2 && keys.every((k) => k === `payout:${requested.body.id}`), 'every attempt carries the one idempotency key');
    await ledgerOk();
  });

  it('credits the wallet back for a reversed transfer (payout.reversed:<trr_…>), also when reversed comes before created', async () => {
    const creator = await connectedCreator(1200);
    const requested = await api.post('/v1/me/payouts', { amount: 1200 }, { token: creator.token });
    await server.db.collection(PAYOUTS).updateOne({ _id: new (await import('mongodb')).ObjectId(requested.body.id) }, { $set: { status: 'transferring', claim: 'stripe' } });
    const transfer = {
      id: 'tr_reversed', object: 'transfer', amount: 1200, currency: 'eur', metadata: { flattrPayoutId: requested.body.id }, amount_reversed: 500, reversed: false,
      reversals: { object: 'list', has_more: false, data: [{ id: 'trr_1', object: 'transfer_reversal', amount: 500, currency: 'eur', transfer: 'tr_reversed' }] },
    };
    assert.equal((await deliver('transfer.reversed', transfer)).status, 200);
    assert.equal((await deliver('transfer.reversed', transfer)).status, 200);
    await deliver('transfer.created', { ...transfer, amount_reversed: 0, reversals: undefined });
    assert.equal(await wallet(creator), 500);
    const payout = (await api.get('/v1/me/payouts', { token: creator.token })).body.items.find((p: { id: string }) => p.id === requested.body.id);
    assert.equal(payout.status, 'paid');
    assert.equal(payout.reversedAmount, 500);
    // A reversal Stripe does not list (stripe-mock lists a fixture of another transfer): 503, recorded later.
    const unlisted = await deliver('transfer.reversed', { ...transfer, amount_reversed: 900, reversals: undefined });
    assert.equal(unlisted.status, 503);
    assert.equal(await wallet(creator), 500);
    await ledgerOk();
  });

  it('handles the legacy transfer.failed event: a failure before payment fails the payout, after it returns the money', async () => {
    const creator = await connectedCreator(1000);
    const a = await api.post('/v1/me/payouts', { amount: 400 }, { token: creator.token });
    const b = await api.post('/v1/me/payouts', { amount: 600 }, { token: creator.token });
    await deliver('transfer.failed', { id: 'tr_fail_a', object: 'transfer', amount: 400, currency: 'eur', metadata: { flattrPayoutId: a.body.id }, amount_reversed: 0 });
    assert.equal(await wallet(creator), 400);
    const paid = await api.post(`/v1/admin/payouts/${b.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(paid.body.status, 'paid');
    await deliver('transfer.failed', { id: paid.body.reference, object: 'transfer', amount: 600, currency: 'eur', metadata: { flattrPayoutId: b.body.id }, amount_reversed: 0 });
    assert.equal(await wallet(creator), 1000);
    await ledgerOk();
  });

  it('lets an admin approve a Stripe payout on /admin (CSRF form) and shows debts and the reconciliation on /admin/payments; refuses other users', async () => {
    const creator = await connectedCreator(900);
    const requested = await api.post('/v1/me/payouts', { amount: 900 }, { token: creator.token });
    const browser = new PageBrowser(server.url);
    await browser.logIn(admin.email, admin.password);
    const page = await browser.get('/admin');
    assert.equal(page.status, 200);
    const row = rowOf(page.text, 'data-payout', requested.body.id);
    assert.match(row, new RegExp(`action="/admin/payouts/${requested.body.id}/approve"`));
    assert.doesNotMatch(row, /\/paid"/, 'a Stripe payout is approved, not marked paid by hand');
    assert.equal((await browser.postForm(`/admin/payouts/${requested.body.id}/approve`, {})).status, 403, 'no CSRF token');
    assert.equal((await api.get('/v1/me/payouts', { token: creator.token })).body.items.find((p: { id: string }) => p.id === requested.body.id).status, 'requested');
    const approved = await browser.submit('/admin', `/admin/payouts/${requested.body.id}/approve`, {});
    assert.equal(approved.status, 303);
    assert.equal(approved.headers.get('location'), '/admin?done=approved#payouts');
    const payout = (await api.get('/v1/me/payouts', { token: creator.token })).body.items.find((p: { id: string }) => p.id === requested.body.id);
    assert.equal(payout.status, 'paid');

    const payments = await browser.get('/admin/payments?period=2026-05');
    assert.equal(payments.status, 200);
    assert.match(payments.text, /Stripe reconciliation: May 2026/);
    assert.match(payments.text, /data-differences="\d+"/);
    assert.match(payments.text, /Readers who owe|Nobody owes anything/);

    const other = new PageBrowser(server.url);
    await other.logIn(creator.email, creator.password);
    assert.equal((await other.get('/admin/payments')).status, 403);
    const tried = await other.submit('/creator', `/admin/payouts/${requested.body.id}/approve`, {});
    assert.equal(tried.status, 403, 'not an admin');
  });

  it('keeps manual payouts manual: approve is 409 payout_manual, marking paid works as before', async () => {
    const creator = await signup(api);
    await api.post('/v1/admin/deposits', { userId: creator.id, amount: 500, reference: `m-${creator.id}` }, { token: admin.token });
    const requested = await api.post('/v1/me/payouts', { amount: 500 }, { token: creator.token });
    assert.equal(requested.body.method, 'manual');
    const approve = await api.post(`/v1/admin/payouts/${requested.body.id}/approve`, undefined, { token: admin.token });
    assert.equal(approve.status, 409);
    assert.equal(approve.body.code, 'payout_manual');
    assert.equal((await api.post(`/v1/admin/payouts/${requested.body.id}/paid`, { reference: 'SEPA-1' }, { token: admin.token })).body.status, 'paid');
  });
});
