import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backgroundRuns } from '../src/distribution/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balanceOf, JOURNAL } from '../src/money/index.js';
import {
  createAdmin, deliverStripeEvent, login, signup, startMailpit, startStripeMock, startTestServer, stripeEvent, stripeTestEnv,
  testClient, type Mailpit, type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { PageBrowser } from './helpers/pages.js';

/**
 * The whole way of the money with real peers on loopback: a card top-up
 * (stripe-mock + a signed webhook) → a flattr → the month's distribution →
 * the receipt and earnings emails (Mailpit) → an automatic payout as a
 * Stripe transfer → a clean ledger, and what was asked of Stripe matches the
 * journal. stripe-mock is stateless: it cannot tell the server later that a
 * payment happened, so the test delivers the webhooks Stripe would send,
 * built from what the server asked stripe-mock for and what it answered.
 */
describe('payments end to end: top-up → flattr → distribution → payout', () => {
  let mock: StripeMock;
  let mailpit: Mailpit;
  let server: TestServer;
  let api: TestClient;
  let site: Server;
  let siteOrigin: string;
  let creatorId = '';
  before(async () => {
    [mock, mailpit] = await Promise.all([startStripeMock(), startMailpit()]);
    server = await startTestServer({
      env: { ...stripeTestEnv(mock.url), SMTP_URL: mailpit.smtpUrl, MAIL_FROM: 'Flattr <noreply@flattr.test>', PAYOUT_AUTO_THRESHOLD: '1000', FEE_BPS: '1000' },
    });
    api = testClient(server.url);
    site = createServer((req, res) => {
      if (req.url === '/.well-known/flattr') res.writeHead(200, { 'content-type': 'text/plain' }).end(`${creatorId}\n`);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(backgroundRuns.values());
    await server?.close();
    await Promise.all([mock?.stop(), mailpit?.stop(), new Promise((resolve) => site?.close(resolve))]);
  });

  async function verifyEmailOf(user: TestUser): Promise<void> {
    const [message] = await mailpit.waitFor(user.email);
    const link = new URL(/https?:\/\/\S+\/account\/verify\?token=\S+/.exec(message!.Text)![0]);
    const res = await new PageBrowser(server.url).submit(`${link.pathname}${link.search}`, '/account/verify', { token: link.searchParams.get('token')! });
    assert.equal(res.status, 200);
  }

  it('moves the money the whole way and the ledger and Stripe agree', async () => {
    server.clock.set('2026-05-10T10:00:00Z');
    const reader = await signup(api, { name: 'Rita Reader' });
    const creator = await signup(api, { name: 'Carl Creator' });
    creatorId = creator.id;

    // The creator proves the site and connects a Stripe account (a verified address first).
    const added = await api.post('/v1/sites', { url: siteOrigin }, { token: creator.token });
    assert.equal((await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token })).status, 200);
    assert.equal((await api.post('/v1/me/payout-destination/stripe', undefined, { token: creator.token })).body.code, 'email_unverified');
    await verifyEmailOf(creator);
    const connected = await api.post('/v1/me/payout-destination/stripe', undefined, { token: creator.token });
    assert.equal(connected.status, 200, connected.text);
    await deliverStripeEvent(server.url, stripeEvent('account.updated', {
      id: connected.body.accountId, object: 'account', details_submitted: true, capabilities: { transfers: 'active' },
    }));

    // The reader tops up 20.00 by card: Checkout at stripe-mock, then Stripe's signed webhook.
    const checkout = await api.post('/v1/me/deposits/checkout', { amount: 2000 }, { token: reader.token });
    assert.equal(checkout.status, 201, checkout.text);
    const sessionCall = mock.calls.find((c) => c.path === '/v1/checkout/sessions' && c.response.id === checkout.body.checkoutId)!;
    const paid = await deliverStripeEvent(server.url, stripeEvent('checkout.session.completed', {
      id: checkout.body.checkoutId, object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete',
      amount_total: Number(sessionCall.params['line_items[0][price_data][unit_amount]']), currency: sessionCall.params['line_items[0][price_data][currency]'],
      payment_intent: 'pi_e2e_1', client_reference_id: sessionCall.params.client_reference_id, metadata: { flattrUserId: sessionCall.params['metadata[flattrUserId]'] },
    }));
    assert.equal(paid.status, 200);
    assert.equal(await balanceOf(server.db, accounts.user(reader.id)), 2000);

    // A budget of 20.00 and one flattr on the creator's site.
    assert.equal((await api.patch('/v1/me', { budget: 2000 }, { token: reader.token })).status, 200);
    const click = await api.post('/v1/flattrs', { url: `${siteOrigin}/a-post`, title: 'A post worth it' }, { token: reader.token });
    assert.equal(click.status, 201, click.text);

    // June: the admin distributes May; the receipts, the earnings note and the automatic payout follow.
    server.clock.set('2026-06-02T09:00:00Z');
    const admin = await createAdmin(server, api);
    assert.equal((await api.post('/v1/admin/distributions', { period: '2026-05' }, { token: admin.token })).status, 202);
    await Promise.all(backgroundRuns.values());
    const run = await api.get('/v1/admin/distributions/2026-05', { token: admin.token });
    assert.equal(run.body.status, 'done');
    assert.deepEqual([run.body.totals.contributed, run.body.totals.fees, run.body.totals.toCreators], [2000, 200, 1800]);

    const [receipt] = (await mailpit.waitFor(reader.email, 2)).filter((m) => /receipt/.test(m.Subject));
    assert.ok(receipt, 'a receipt');
    assert.match(receipt.Text, /your €20\.00 went to:/);
    assert.match(receipt.Text, /A post worth it: €20\.00/);
    const earnings = (await mailpit.waitFor(creator.email, 3)).find((m) => /earnings/.test(m.Subject))!;
    assert.match(earnings.Text, /A post worth it: €18\.00 \(€20\.00 less €2\.00 fee\)/);

    const transferCall = mock.calls.find((c) => c.method === 'POST' && c.path === '/v1/transfers')!;
    assert.ok(transferCall, 'the automatic payout made a transfer');
    assert.equal(transferCall.params.amount, '1800');
    assert.equal(transferCall.params.destination, connected.body.accountId);
    const payoutId = transferCall.params['metadata[flattrPayoutId]']!;
    assert.equal(transferCall.idempotencyKey, `payout:${payoutId}`);
    // Stripe's webhook of that transfer, as it would send it.
    await deliverStripeEvent(server.url, stripeEvent('transfer.created', { ...transferCall.response, metadata: { flattrPayoutId: payoutId } }));
    const notice = (await mailpit.waitFor(creator.email, 3)).find((m) => /payout/.test(m.Subject))!;
    assert.match(notice.Subject, /Your payout of €18\.00 is on its way/);

    // Running the month's steps again sends and pays nothing more.
    const again = await import('../src/payday/index.js');
    await again.afterDistribution(server.ctx, '2026-05');
    assert.equal(mock.calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers').length, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await mailpit.messages()).filter((m) => /receipt|earnings/.test(m.Subject)).length, 2);

    // The ledger holds, and the journal matches what Stripe was asked and answered.
    const report = await verifyLedger(server.ctx);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
    const journal = server.db.collection(JOURNAL);
    const deposit = await journal.findOne({ _id: 'deposit:stripe:pi_e2e_1' as never });
    assert.equal(deposit?.postings.find((p: { account: string }) => p.account === accounts.user(reader.id))?.amount, Number(sessionCall.params['line_items[0][price_data][unit_amount]']));
    const payout = await journal.findOne({ _id: `payout.paid:${payoutId}` as never });
    assert.equal(payout?.meta.reference, transferCall.response.id);
    assert.equal(payout?.postings.find((p: { account: string }) => p.account === 'external:payouts')?.amount, Number(transferCall.params.amount));
    assert.equal(await balanceOf(server.db, accounts.user(creator.id)), 0);
    assert.equal(await balanceOf(server.db, accounts.user(reader.id)), 0);

    // The reconciliation reads Stripe's balance transactions of May beside the journal. stripe-mock answers a fixed
    // fixture (a charge of another account): it shows as only in Stripe, and May's journal entries as only in the journal.
    await login(api, admin);
    const reconciliation = await api.get('/v1/admin/reconciliation/stripe?period=2026-05', { token: admin.token });
    assert.equal(reconciliation.status, 200, reconciliation.text);
    const list = mock.calls.find((c) => c.method === 'GET' && c.path.startsWith('/v1/balance_transactions'))!;
    const query = new URLSearchParams(list.path.split('?')[1]);
    assert.equal(query.get('created[gte]'), String(Date.UTC(2026, 4, 1) / 1000));
    assert.equal(query.get('created[lt]'), String(Date.UTC(2026, 5, 1) / 1000));
    assert.ok(reconciliation.body.rows.some((r: { status: string; entryId: string }) => r.status === 'only_in_journal' && r.entryId === 'deposit:stripe:pi_e2e_1'));
    assert.ok(reconciliation.body.rows.some((r: { status: string }) => r.status === 'only_in_stripe' || r.status === 'not_journaled'));
  });
});
