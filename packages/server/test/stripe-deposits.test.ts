import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { loadConfig } from '../src/config/index.js';
import { distributePeriod } from '../src/distribution/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { accounts, balanceFromJournal, balanceOf, JOURNAL } from '../src/money/index.js';
import { STRIPE_EVENTS } from '../src/stripe/index.js';
import {
  createAdmin, deliverStripeEvent, signup, startStripeMock, startTestServer, stripeEvent, stripeTestEnv, testClient,
  type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { figureOf, hiddenField, PageBrowser } from './helpers/pages.js';

/** A paid Checkout Session of a top-up, shaped as the `stripe` package types it. */
function paidSession(user: TestUser, paymentIntent: string, amount: number, id = `cs_test_${paymentIntent}`): Partial<Stripe.Checkout.Session> {
  return {
    id, object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete', amount_total: amount, currency: 'eur',
    payment_intent: paymentIntent, client_reference_id: user.id, metadata: { flattrUserId: user.id },
  };
}
const refund = (id: string, paymentIntent: string, amount: number, status: Stripe.Refund['status'] = 'succeeded', charge = `ch_${paymentIntent}`): Partial<Stripe.Refund> =>
  ({ id, object: 'refund', amount, currency: 'eur', status, payment_intent: paymentIntent, charge });
const dispute = (id: string, paymentIntent: string, amount: number, status: Stripe.Dispute['status'] = 'needs_response'): Partial<Stripe.Dispute> =>
  ({ id, object: 'dispute', amount, currency: 'eur', status, payment_intent: paymentIntent, charge: `ch_${paymentIntent}` });

/**
 * Every document of every collection, hashed: a refused webhook must change none.
 * Rate-limit counters (`rate_limit_*`) are left out: every request, refused or not, is counted.
 */
async function hashDatabase(server: TestServer): Promise<string> {
  const hash = createHash('sha256');
  for (const { name } of (await server.db.listCollections().toArray()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (name.startsWith('rate_limit_')) continue;
    hash.update(name);
    for (const doc of await server.db.collection(name).find({}).sort({ _id: 1 }).toArray()) hash.update(JSON.stringify(doc));
  }
  return hash.digest('hex');
}

describe('card top-ups through Stripe (stripe-mock, signed webhooks)', () => {
  let mock: StripeMock;
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  before(async () => {
    mock = await startStripeMock();
    server = await startTestServer({ env: { ...stripeTestEnv(mock.url), TOPUP_MIN: '500', TOPUP_MAX: '20000' } });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
  });
  after(async () => {
    await server?.close();
    await mock?.stop();
  });
  const deliver = (type: string, object: object, options?: Parameters<typeof deliverStripeEvent>[2] & { id?: string; livemode?: boolean }) =>
    deliverStripeEvent(server.url, stripeEvent(type, object as Record<string, unknown>, { id: options?.id, livemode: options?.livemode }), options);
  const wallet = (user: TestUser) => balanceOf(server.db, accounts.user(user.id));
  const debt = (user: TestUser) => balanceFromJournal(server.db, accounts.debt(user.id));
  const ledgerOk = async () => {
    const report = await verifyLedger(server.ctx);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
    return report;
  };

  describe('starting a checkout', () => {
    it('creates a Checkout Session for the amount with the reader in its metadata, and credits nothing yet', async () => {
      const reader = await signup(api);
      const res = await api.post('/v1/me/deposits/checkout', { amount: 1500 }, { token: reader.token, headers: { 'Idempotency-Key': 'first-topup' } });
      assert.equal(res.status, 201, res.text);
      assert.match(res.body.redirectUrl, /^https:\/\/checkout\.stripe\.com\//);
      assert.match(res.body.checkoutId, /^cs_/);
      const call = [...mock.calls].reverse().find((c) => c.path === '/v1/checkout/sessions')!;
      assert.equal(call.method, 'POST');
      assert.equal(call.params['line_items[0][price_data][unit_amount]'], '1500');
      assert.equal(call.params['line_items[0][price_data][currency]'], 'eur');
      assert.equal(call.params['mode'], 'payment');
      assert.equal(call.params['metadata[flattrUserId]'], reader.id);
      assert.equal(call.params['payment_intent_data[metadata][flattrUserId]'], reader.id);
      assert.equal(call.params['client_reference_id'], reader.id);
      assert.equal(call.idempotencyKey, `topup:${reader.id}:first-topup`);
      assert.equal(await wallet(reader), 0);
      const state = await api.get(`/v1/me/deposits/checkout/${res.body.checkoutId}`, { token: reader.token });
      assert.equal(state.status, 200);
      assert.equal(state.body.state, 'pending');
      const other = await signup(api);
      assert.equal((await api.get(`/v1/me/deposits/checkout/${res.body.checkoutId}`, { token: other.token })).status, 404, 'not someone else\'s');
    });

    it('refuses amounts outside TOPUP_MIN..TOPUP_MAX with 422 amount_out_of_range, without asking Stripe', async () => {
      const reader = await signup(api);
      const before = mock.calls.length;
      for (const amount of [499, 20001]) {
        const res = await api.post('/v1/me/deposits/checkout', { amount }, { token: reader.token });
        assert.equal(res.status, 422);
        assert.equal(res.body.code, 'amount_out_of_range');
        assert.deepEqual([res.body.min, res.body.max], [500, 20000]);
      }
      for (const amount of [0, -5, 10.5, '1000']) assert.equal((await api.post('/v1/me/deposits/checkout', { amount }, { token: reader.token })).status, 400);
      assert.equal(mock.calls.length, before);
    });

    it('runs the top-up form on /account: a Stripe button beside the others, CSRF, the redirect to Stripe, then pending and succeeded on the dashboard', async () => {
      const reader = await signup(api);
      const browser = new PageBrowser(server.url);
      await browser.logIn(reader.email, reader.password);
      const page = await browser.get('/account');
      assert.match(page.headers.get('content-security-policy')!, /form-action 'self' https:\/\/checkout\.stripe\.com/, 'the form may follow the redirect to Stripe');
      assert.match(page.text, /<button type="submit" name="provider" value="stripe">Pay by card \(Stripe\)<\/button>/);
      assert.match(page.text, /Pay by card \(Stripe\): at least €5\.00\./, 'TOPUP_MIN is on the form');
      assert.match(page.text, /test mode/);
      const reference = hiddenField(page.text, 'reference');
      const form = { provider: 'stripe', amount: '12.50', reference };
      assert.equal((await browser.postForm('/account/top-up', form)).status, 403, 'no CSRF token: refused');
      const tooSmall = await browser.submit('/account', '/account/top-up', { ...form, amount: '4.99' });
      assert.equal(tooSmall.status, 400);
      assert.match(tooSmall.text, /between €5\.00 and €200\.00/);
      const before = mock.calls.length;
      const started = await browser.submit('/account', '/account/top-up', form);
      assert.equal(started.status, 303);
      assert.match(started.headers.get('location')!, /^https:\/\/checkout\.stripe\.com\//);
      const session = mock.calls.slice(before).find((c) => c.path === '/v1/checkout/sessions')!;
      assert.equal(session.params['line_items[0][price_data][unit_amount]'], '1250');
      assert.equal(session.params['success_url'], `${server.url}/account?checkout={CHECKOUT_SESSION_ID}#top-up`);
      assert.equal(session.params['cancel_url'], `${server.url}/account?checkout=cancelled#top-up`);
      assert.equal(session.idempotencyKey, `topup:${reader.id}:${reference}:1250`, 'the form sent twice opens the same checkout');
      const sessionId = session.response.id as string;
      const pending = await browser.get(`/account?checkout=${sessionId}`);
      assert.equal(pending.status, 200);
      assert.match(pending.text, /waiting for the provider’s confirmation/);
      assert.match(pending.text, /<meta http-equiv="refresh" content="3">/, 'looks again until the webhook has credited it');
      assert.equal((await deliver('checkout.session.completed', paidSession(reader, 'pi_form1', 1250, sessionId))).status, 200);
      const done = await browser.get(`/account?checkout=${sessionId}`);
      assert.match(done.text, /Thank you: €12\.50 is in your account\./);
      assert.doesNotMatch(done.text, /http-equiv="refresh"/);
      assert.equal(figureOf(done.text, 'available'), 1250);
      assert.equal(await wallet(reader), 1250);
      assert.match((await browser.get('/account?checkout=cancelled')).text, /Top-up cancelled: nothing was charged\./);
      const stranger = new PageBrowser(server.url);
      const other = await signup(api);
      await stranger.logIn(other.email, other.password);
      assert.match((await stranger.get(`/account?checkout=${sessionId}`)).text, /This payment is not one of yours\./, 'another reader\'s checkout says nothing about it');
    });
  });

  describe('webhooks', () => {
    it('credits a paid checkout once: deposit:stripe:<payment intent>, however often and in whichever form it is delivered', async () => {
      const reader = await signup(api);
      const completed = stripeEvent('checkout.session.completed', paidSession(reader, 'pi_once', 2000) as Record<string, unknown>);
      const first = await deliverStripeEvent(server.url, completed);
      assert.equal(first.status, 200);
      assert.equal(first.body.outcome, 'processed');
      // Stripe's retries (the same event) and the other event of the same payment, some at once.
      const again = await Promise.all([
        deliverStripeEvent(server.url, completed),
        deliverStripeEvent(server.url, completed),
        deliver('payment_intent.succeeded', { id: 'pi_once', object: 'payment_intent', status: 'succeeded', amount: 2000, amount_received: 2000, currency: 'eur', metadata: { flattrUserId: reader.id } }),
      ]);
      assert.deepEqual(again.map((r) => r.status), [200, 200, 200]);
      assert.equal(await wallet(reader), 2000);
      const entries = await server.db.collection(JOURNAL).find({ 'meta.userId': reader.id, kind: 'deposit' }).toArray();
      assert.deepEqual(entries.map((e) => e._id), ['deposit:stripe:pi_once']);
      assert.deepEqual(entries[0]!.postings, [{ account: 'external:deposits', amount: -2000 }, { account: accounts.user(reader.id), amount: 2000 }]);
      const log = await server.db.collection(STRIPE_EVENTS).findOne({ _id: completed.id as never });
      assert.equal(log?.deliveries, 3);
      await ledgerOk();
    });

    it('credits the same once when payment_intent.succeeded comes before checkout.session.completed (out of order)', async () => {
      const reader = await signup(api);
      await deliver('payment_intent.succeeded', { id: 'pi_early', object: 'payment_intent', status: 'succeeded', amount: 700, amount_received: 700, currency: 'eur', metadata: { flattrUserId: reader.id } });
      await deliver('checkout.session.completed', paidSession(reader, 'pi_early', 700));
      assert.equal(await wallet(reader), 700);
      assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: 'deposit:stripe:pi_early' as never }), 1);
    });

    it('waits for async payments: an unpaid completed session credits nothing until async_payment_succeeded', async () => {
      const reader = await signup(api);
      await deliver('checkout.session.completed', { ...paidSession(reader, 'pi_sepa', 900), payment_status: 'unpaid' });
      assert.equal(await wallet(reader), 0);
      await deliver('checkout.session.async_payment_succeeded', paidSession(reader, 'pi_sepa', 900));
      assert.equal(await wallet(reader), 900);
    });

    it('answers 400 invalid_signature to anything not signed with the endpoint secret, and writes nothing', async () => {
      const reader = await signup(api);
      const event = stripeEvent('checkout.session.completed', paidSession(reader, 'pi_forged', 5000) as Record<string, unknown>);
      const before = await hashDatabase(server);
      const bad = [
        await deliverStripeEvent(server.url, event, { secret: 'whsec_someone_else' }),
        await deliverStripeEvent(server.url, event, { tamper: (p) => p.replace('5000', '9000') }),
        await deliverStripeEvent(server.url, event, { signature: null }),
        await deliverStripeEvent(server.url, event, { signature: 't=1,v1=deadbeef' }),
        await deliverStripeEvent(server.url, event, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      ];
      for (const res of bad) {
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'invalid_signature');
      }
      assert.equal(await hashDatabase(server), before);
    });

    it('ignores a live event at a test endpoint, and payments that are not top-ups of this service', async () => {
      const reader = await signup(api);
      const live = await deliver('checkout.session.completed', paidSession(reader, 'pi_live', 800), { livemode: true });
      assert.equal(live.body.outcome, 'ignored');
      const foreign = await deliver('payment_intent.succeeded', { id: 'pi_shop', object: 'payment_intent', status: 'succeeded', amount: 800, amount_received: 800, currency: 'eur', metadata: {} });
      assert.equal(foreign.body.outcome, 'ignored');
      assert.equal(await wallet(reader), 0);
    });
  });

  describe('refunds and disputes', () => {
    async function funded(amount: number, pi: string) {
      const reader = await signup(api);
      assert.equal((await deliver('checkout.session.completed', paidSession(reader, pi, amount))).status, 200);
      return reader;
    }

    it('takes a refund from the wallet (refund:stripe:<re_…>), once', async () => {
      const reader = await funded(1500, 'pi_r1');
      const res = await deliver('refund.created', refund('re_r1', 'pi_r1', 500));
      assert.equal(res.status, 200);
      await deliver('refund.updated', refund('re_r1', 'pi_r1', 500));
      assert.equal(await wallet(reader), 1000);
      const entry = await server.db.collection(JOURNAL).findOne({ _id: 'refund:stripe:re_r1' as never });
      assert.deepEqual(entry?.postings, [{ account: 'external:deposits', amount: 500 }, { account: accounts.user(reader.id), amount: -500 }]);
      await ledgerOk();
    });

    it('reads the refunds of charge.refunded from the event, else from Stripe; one it cannot find is 503 (delivered again), never guessed', async () => {
      const reader = await funded(3000, 'pi_r2');
      const charge = { id: 'ch_pi_r2', object: 'charge', payment_intent: 'pi_r2', amount: 3000, amount_refunded: 1000, currency: 'eur' };
      const embedded = await deliver('charge.refunded', { ...charge, refunds: { object: 'list', data: [refund('re_r2a', 'pi_r2', 1000)], has_more: false } });
      assert.equal(embedded.status, 200);
      assert.equal(await wallet(reader), 2000);
      // Without the list in the event the refunds are listed from Stripe; stripe-mock's fixture is another charge's refund.
      const before = await hashDatabase(server);
      const listed = await deliver('charge.refunded', { ...charge, amount_refunded: 1800 });
      assert.equal(listed.status, 503);
      assert.equal(listed.body.code, 'event_not_ready');
      assert.ok(mock.calls.some((c) => c.method === 'GET' && c.path.startsWith('/v1/refunds?') && c.path.includes('charge=ch_pi_r2')));
      assert.equal(await wallet(reader), 2000);
      const after = await hashDatabase(server);
      assert.notEqual(after, before, 'only the event log changed');
      await deliver('refund.created', refund('re_r2b', 'pi_r2', 800));
      assert.equal((await deliver('charge.refunded', { ...charge, amount_refunded: 1800 })).status, 200, 'recorded meanwhile: accepted');
      assert.equal(await wallet(reader), 1200);
      await ledgerOk();
    });

    it('records a refund that failed as a pair, also when "failed" comes first (out of order): the wallet ends where it was', async () => {
      const reader = await funded(1000, 'pi_r3');
      await deliver('refund.failed', refund('re_r3', 'pi_r3', 400, 'failed'));
      await deliver('refund.created', refund('re_r3', 'pi_r3', 400, 'pending'));
      assert.equal(await wallet(reader), 1000);
      const kinds = (await server.db.collection(JOURNAL).find({ 'meta.depositEntryId': 'deposit:stripe:pi_r3' }).toArray()).map((e) => e.kind).sort();
      assert.deepEqual(kinds, ['refund', 'refund.failed']);
      await ledgerOk();
    });

    it('records what the wallet lacks as the reader\'s debt when the money was already distributed; creators keep theirs; the next deposit pays the debt', async () => {
      server.clock.set('2026-05-10T12:00:00Z');
      const fresh = testClient(server.url);
      const reader = await signup(fresh);
      await deliver('checkout.session.completed', paidSession(reader, 'pi_d1', 1000));
      assert.equal((await fresh.patch('/v1/me', { budget: 1000 }, { token: reader.token })).status, 200);
      assert.equal((await fresh.post('/v1/flattrs', { url: 'https://dispute.example/post', title: 'Post' }, { token: reader.token })).status, 201);
      server.clock.set('2026-06-02T00:00:00Z');
      await distributePeriod(server.ctx, '2026-05');
      assert.equal(await wallet(reader), 0, 'all of it was distributed (to escrow: the thing has no owner)');
      const escrowBefore = await server.db.collection(JOURNAL).find({ kind: 'distribution', period: '2026-05' }).toArray();

      const res = await deliver('charge.dispute.created', dispute('dp_d1', 'pi_d1', 1000));
      assert.equal(res.status, 200);
      const entry = await server.db.collection(JOURNAL).findOne({ _id: 'dispute:stripe:dp_d1' as never });
      assert.deepEqual(entry?.postings, [{ account: 'external:deposits', amount: 1000 }, { account: accounts.debt(reader.id), amount: -1000 }]);
      assert.equal(await wallet(reader), 0, 'never below zero');
      assert.equal(await debt(reader), -1000, 'not clamped: the reader owes it');
      assert.deepEqual(await server.db.collection(JOURNAL).find({ kind: 'distribution', period: '2026-05' }).toArray(), escrowBefore, 'the distributed money stays where it went');
      const report = await ledgerOk();
      assert.deepEqual(report.debts, { accounts: 1, owed: 1000 });
      const admin2 = await createAdmin(server, fresh);
      const debts = await fresh.get('/v1/admin/debts', { token: admin2.token });
      assert.equal(debts.status, 200);
      assert.deepEqual(debts.body.items.find((d: { userId: string }) => d.userId === reader.id), { userId: reader.id, email: reader.email, owed: 1000 });

      await deliver('checkout.session.completed', paidSession(reader, 'pi_d2', 1500));
      assert.equal(await debt(reader), 0, 'the new money paid the debt first');
      assert.equal(await wallet(reader), 500);
      assert.deepEqual((await verifyLedger(server.ctx)).debts, { accounts: 0, owed: 0 });

      // The operator wins the dispute: the money comes back to the reader.
      await deliver('charge.dispute.closed', dispute('dp_d1', 'pi_d1', 1000, 'won'));
      await deliver('charge.dispute.funds_reinstated', dispute('dp_d1', 'pi_d1', 1000, 'won'));
      assert.equal(await wallet(reader), 1500);
      await ledgerOk();
      server.clock.set(new Date());
    });

    it('splits a refund bigger than the wallet into wallet and debt', async () => {
      const reader = await funded(1000, 'pi_d3');
      const payout = await api.post('/v1/me/payouts', { amount: 700 }, { token: reader.token });
      assert.equal(payout.status, 201);
      await deliver('refund.created', refund('re_d3', 'pi_d3', 1000));
      assert.equal(await wallet(reader), 0);
      assert.equal(await debt(reader), -700);
      const refused = await api.post('/v1/me/payouts', { amount: 1 }, { token: reader.token });
      assert.equal(refused.status, 422);
      await ledgerOk();
    });

    it('records a dispute closed as won before its creation (out of order) as a pair', async () => {
      const reader = await funded(600, 'pi_d4');
      await deliver('charge.dispute.closed', dispute('dp_d4', 'pi_d4', 600, 'won'));
      await deliver('charge.dispute.created', dispute('dp_d4', 'pi_d4', 600));
      assert.equal(await wallet(reader), 600);
      await ledgerOk();
    });

    it('refuses (logged, answered 200) reversals beyond the deposit, writing nothing to the journal', async () => {
      const reader = await funded(500, 'pi_x');
      const res = await deliver('refund.created', refund('re_x', 'pi_x', 501));
      assert.equal(res.status, 200);
      assert.equal(res.body.outcome, 'rejected');
      assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: 'refund:stripe:re_x' as never }), 0);
      assert.equal(await wallet(reader), 500);
    });

    it('asks Stripe for the charge of a dispute that names no payment intent', async () => {
      const before = mock.calls.length;
      const res = await deliver('charge.dispute.created', { ...dispute('dp_charge_only', 'pi_unused', 100), payment_intent: null, charge: 'ch_only' });
      assert.equal(res.status, 200);
      const calls = mock.calls.slice(before).map((c) => `${c.method} ${c.path.split('?')[0]}`);
      assert.ok(calls.includes('GET /v1/charges/ch_only'), calls.join(', '));
      // stripe-mock's charge fixture names a payment intent without our metadata: not one of our top-ups.
      assert.equal(res.body.outcome, 'ignored');
    });

    it('ignores a refund of a payment Stripe does not know as one of this service\'s top-ups', async () => {
      const before = mock.calls.length;
      const res = await deliver('refund.created', refund('re_unknown', 'pi_not_ours', 100));
      assert.equal(res.status, 200);
      assert.equal(res.body.outcome, 'ignored');
      assert.ok(mock.calls.slice(before).some((c) => c.path === '/v1/payment_intents/pi_not_ours'), 'asked Stripe about the payment');
    });
  });
});

describe('Stripe not configured', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('keeps the provider off and says so: options, the checkout endpoint, the webhook, the page', async () => {
    const api = testClient(server.url);
    const reader = await signup(api);
    assert.equal((await api.get('/v1/deposits/options')).body.stripe.enabled, false);
    const res = await api.post('/v1/me/deposits/checkout', { amount: 1000 }, { token: reader.token });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'provider_disabled');
    const hook = await deliverStripeEvent(server.url, stripeEvent('payment_intent.succeeded', {}));
    assert.equal(hook.status, 403);
    assert.equal(hook.body.code, 'stripe_not_configured');
    const browser = new PageBrowser(server.url);
    await browser.logIn(reader.email, reader.password);
    const page = await browser.get('/account');
    assert.match(page.text, /No top-up method is enabled on this service/);
    assert.doesNotMatch(page.text, /value="stripe"/);
    assert.doesNotMatch(page.headers.get('content-security-policy')!, /stripe/);
  });

  it('validates the Stripe settings at start, naming the bad one', () => {
    const base = { MONGODB_URI: 'mongodb://127.0.0.1:1' };
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, /STRIPE_WEBHOOK_SECRET/],
      [{ STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, /STRIPE_SECRET_KEY/],
      [{ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, /STRIPE_SECRET_KEY/],
      [{ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'secret' }, /STRIPE_WEBHOOK_SECRET/],
      [{ STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_BASE: 'http://127.0.0.1:12111' }, /STRIPE_API_BASE/],
      [{ TOPUP_MIN: '5000', TOPUP_MAX: '100' }, /TOPUP_MIN/],
      [{ TOPUP_MIN: '0' }, /TOPUP_MIN/],
      [{ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', CURRENCY: 'HUF' }, /CURRENCY/],
      [{ SMTP_URL: 'smtp://mail.example.org' }, /MAIL_FROM/],
      [{ EMAIL_VERIFICATION: 'required' }, /EMAIL_VERIFICATION/],
      [{ PAYOUT_AUTO_THRESHOLD: '-1' }, /PAYOUT_AUTO_THRESHOLD/],
    ];
    for (const [env, message] of bad) assert.throws(() => loadConfig({ ...base, ...env }), message, JSON.stringify(env));
    const live = loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' });
    assert.equal(live.stripe?.mode, 'live');
    assert.equal(loadConfig({ ...base, STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' }).stripe, null, 'empty means unset');
  });
});
