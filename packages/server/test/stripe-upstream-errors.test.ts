import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JOURNAL } from '../src/money/index.js';
import {
  collectionHash, createAdmin, deliverStripeEvent, signup, startStripeMock, startTestServer, stripeEvent, stripeTestEnv, testClient,
  type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { hiddenField, PageBrowser } from './helpers/pages.js';

/**
 * Stripe is a peer of the server, not the client: whatever Stripe answers
 * (a revoked key's 401, a restricted key's 403, an unknown object's 404, a
 * refused request's 400, its own 500 or 429) is never passed on as the
 * client's own status (a 401 would tell the SDK the reader's token is bad).
 * Every route that needs Stripe's answer answers 502 `stripe_error` instead
 * (Stripe refused: the operator's to look at; Stripe not answering is 502
 * `stripe_unavailable`, stripe-unreachable.test.ts), documented (a checkout
 * Stripe cannot look up stays pending); the webhook refuses for good (200, logged) an event naming
 * what Stripe does not know, and asks to be delivered again (503) when
 * Stripe fails. stripe-mock answers as told (`failNext`).
 */
describe('Stripe\'s errors are not the client\'s', () => {
  let mock: StripeMock;
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  before(async () => {
    mock = await startStripeMock();
    server = await startTestServer({ env: stripeTestEnv(mock.url) });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
    doc = (await api.get('/v1/openapi.json')).body;
  });
  after(async () => {
    await server?.close();
    await mock?.stop();
  });

  /** Stripe's error bodies by status, as its API sends them (the package picks its error class by status). */
  const STRIPE_ERRORS = {
    400: { type: 'invalid_request_error', message: 'You can only create new accounts if you\'ve signed up for Connect' },
    401: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****' },
    403: { type: 'invalid_request_error', code: 'secret_key_required', message: 'This API call cannot be made with a restricted key' },
    404: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such object' },
  } as const;

  function assertStripeRefused(res: { status: number; headers: Headers | Record<string, string>; text: string }, what: string): void {
    const header = (name: string) => (res.headers instanceof Headers ? res.headers.get(name) : res.headers[name]) ?? null;
    assert.equal(res.status, 502, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
    assert.match(header('content-type') ?? '', /^application\/problem\+json/, what);
    assert.equal(JSON.parse(res.text).code, 'stripe_error', what);
    assert.equal(header('www-authenticate'), null, `${what}: not a challenge for the client's credentials`);
  }

  function assertDocuments502(method: string, path: string): void {
    assert.ok(doc.paths[path]?.[method]?.responses['502'], `${method.toUpperCase()} ${path} documents 502`);
  }

  for (const status of [400, 401, 403, 404] as const) {
    it(`answers 502 stripe_error on every route that asks Stripe when Stripe answers ${status}`, async () => {
      const reader = await signup(api);
      const browser = new PageBrowser(server.url);
      await browser.logIn(reader.email, reader.password);
      const fail = (method: string, path: string) => mock.failNext(method, path, status, STRIPE_ERRORS[status]);

      fail('POST', '/v1/checkout/sessions');
      assertStripeRefused(await api.post('/v1/me/deposits/checkout', { amount: 1000 }, { token: reader.token }), 'POST /v1/me/deposits/checkout');
      assertDocuments502('post', '/v1/me/deposits/checkout');

      // Where Stripe is only asked whether an open checkout expired, it stays pending, as far as this service knows.
      const open = await api.post('/v1/me/deposits/checkout', { amount: 1000 }, { token: reader.token });
      assert.equal(open.status, 201, open.text);
      fail('GET', `/v1/checkout/sessions/${open.body.checkoutId}`);
      const state = await api.get(`/v1/me/deposits/checkout/${open.body.checkoutId}`, { token: reader.token });
      assert.equal(state.status, 200, state.text);
      assert.equal(state.body.state, 'pending');
      fail('GET', `/v1/checkout/sessions/${open.body.checkoutId}`);
      const back = await browser.get(`/account?checkout=${open.body.checkoutId}`);
      assert.equal(back.status, 200, back.text.slice(0, 300));
      assert.match(back.text, /http-equiv="refresh"/, 'pending: the dashboard looks again shortly');

      fail('POST', '/v1/accounts');
      assertStripeRefused(await api.post('/v1/me/payout-destination/stripe', undefined, { token: reader.token }), 'POST /v1/me/payout-destination/stripe');
      assertDocuments502('post', '/v1/me/payout-destination/stripe');

      fail('GET', '/v1/balance_transactions');
      assertStripeRefused(await api.get('/v1/admin/reconciliation/stripe?period=2026-01', { token: admin.token }), 'GET /v1/admin/reconciliation/stripe');
      assertDocuments502('get', '/v1/admin/reconciliation/stripe');

      // The pages' forms and links that ask Stripe.
      fail('POST', '/v1/checkout/sessions');
      const account = await browser.get('/account');
      const topUp = await browser.postForm('/account/top-up', { provider: 'stripe', amount: '12.50', reference: hiddenField(account.text, 'reference'), _csrf: hiddenField(account.text, '_csrf') });
      assertStripeRefused(topUp, 'POST /account/top-up');
      assertDocuments502('post', '/account/top-up');

      fail('POST', '/v1/accounts');
      assertStripeRefused(await browser.submit('/creator', '/creator/payouts/stripe', {}), 'POST /creator/payouts/stripe');
      assertDocuments502('post', '/creator/payouts/stripe');

      assert.equal((await browser.submit('/creator', '/creator/payouts/stripe', {})).status, 303, 'connected now');
      fail('GET', '/v1/accounts/acct_');
      assertStripeRefused(await browser.get('/creator/payouts/stripe/return'), 'GET /creator/payouts/stripe/return');
      assertDocuments502('get', '/creator/payouts/stripe/return');
      fail('POST', '/v1/account_links');
      assertStripeRefused(await browser.get('/creator/payouts/stripe/refresh'), 'GET /creator/payouts/stripe/refresh');
      assertDocuments502('get', '/creator/payouts/stripe/refresh');
    });
  }

  it('refuses for good (200, logged, nothing written) a webhook event naming an object Stripe does not know', async () => {
    const journal = await collectionHash(server.db, JOURNAL);
    mock.failNext('GET', '/v1/charges/ch_unknown', 404, STRIPE_ERRORS[404]);
    const res = await deliverStripeEvent(server.url, stripeEvent('refund.created', {
      id: 're_unknown', object: 'refund', amount: 500, currency: 'eur', status: 'succeeded', payment_intent: null, charge: 'ch_unknown',
    }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, 'rejected');
    assert.equal((await collectionHash(server.db, JOURNAL)).hash, journal.hash);
  });

  it('asks to be delivered again (503 event_not_ready) when Stripe fails while a webhook event is handled', async () => {
    // Stripe's 500s are retried by the package (2 retries): all three fail.
    for (let i = 0; i < 3; i += 1) mock.failNext('GET', '/v1/charges/ch_flaky', 500, { type: 'api_error', message: 'An unknown error occurred' });
    const res = await deliverStripeEvent(server.url, stripeEvent('refund.created', {
      id: 're_flaky', object: 'refund', amount: 500, currency: 'eur', status: 'succeeded', payment_intent: null, charge: 'ch_flaky',
    }));
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.code, 'event_not_ready');
  });
});

