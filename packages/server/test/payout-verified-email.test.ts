import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JOURNAL } from '../src/money/index.js';
import { PAYOUT_DESTINATIONS } from '../src/payouts/index.js';
import {
  collectionHash, createAdmin, signup, startStripeMock, startTestServer, stripeTestEnv, testClient,
  type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { confirmAddressFromOutbox, PageBrowser } from './helpers/pages.js';

/**
 * Money leaves only to people whose address is confirmed (docs/security.md,
 * "Payments"): with mail on, every route that requests a payout or says
 * where payouts go (a bank account, a Stripe account), in the API and on the
 * pages, refuses an unconfirmed account (403 `email_unverified`), writes
 * nothing and asks Stripe nothing; once the address is confirmed the same
 * requests go through (so the refusals are the address's doing).
 */
describe('an unconfirmed address takes no money out, on every payout route', () => {
  let mock: StripeMock;
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  before(async () => {
    mock = await startStripeMock();
    server = await startTestServer({ env: { ...stripeTestEnv(mock.url), DEV_MAIL_OUTBOX: 'true', EMAIL_VERIFICATION: 'required' } });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
  });
  after(async () => {
    await server?.close();
    await mock?.stop();
  });

  /** Every route that moves money out or sets its destination, with a request that would succeed for a confirmed address. */
  type Attempt = (user: TestUser, browser: PageBrowser) => Promise<{ status: number; text: string; location?: string | null }>;
  const bank = { holder: 'Ada Lovelace', iban: 'DE89 3704 0044 0532 0130 00' };
  const form = async (browser: PageBrowser, action: string, fields: Record<string, string>) => {
    const res = await browser.submit('/account', action, fields);
    return { status: res.status, text: res.text, location: res.headers.get('location') };
  };
  const attempts: Record<string, Attempt> = {
    'POST /v1/me/payouts': (user) => api.post('/v1/me/payouts', { amount: 500 }, { token: user.token }),
    'PUT /v1/me/payout-destination/bank': (user) => api.put('/v1/me/payout-destination/bank', bank, { token: user.token }),
    'POST /v1/me/payout-destination/stripe': (user) => api.post('/v1/me/payout-destination/stripe', undefined, { token: user.token }),
    'POST /creator/payouts': (_user, browser) => form(browser, '/creator/payouts', { amount: '5.00' }),
    'POST /creator/payouts/bank': (_user, browser) => form(browser, '/creator/payouts/bank', { ...bank, bic: '' }),
    'POST /creator/payouts/stripe': (_user, browser) => form(browser, '/creator/payouts/stripe', {}),
    'GET /creator/payouts/stripe/refresh': async (_user, browser) => {
      const res = await browser.get('/creator/payouts/stripe/refresh');
      return { status: res.status, text: res.text, location: res.headers.get('location') };
    },
  };
  /** Payout routes that take no money out and point it nowhere new: back to payouts by hand, and the read-only return from Stripe. */
  const MOVE_NOTHING = ['POST /creator/payouts/manual', 'DELETE /v1/me/payout-destination/stripe', 'GET /creator/payouts/stripe/return'];

  it('knows every payout route of the server (a new one must be added above or to MOVE_NOTHING)', () => {
    const payoutRoutes = server.app.routes
      .filter((r) => /payout/.test(r.path) && !r.path.includes('admin') && (r.method !== 'get' || r.path.includes('/stripe/')))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    assert.deepEqual(payoutRoutes, [...Object.keys(attempts), ...MOVE_NOTHING].sort());
  });

  it('refuses each with email_unverified, writing nothing and asking Stripe nothing; the same requests work once the address is confirmed', async () => {
    const user = await signup(api);
    await api.post('/v1/admin/deposits', { userId: user.id, amount: 5000, reference: `unverified-${user.id}` }, { token: admin.token });
    const browser = new PageBrowser(server.url);
    await browser.logIn(user.email, user.password);
    const hashes = async () => Promise.all(['payouts', PAYOUT_DESTINATIONS, JOURNAL].map(async (name) => `${name}:${(await collectionHash(server.db, name)).hash}`));
    const before = await hashes();
    const stripeCalls = mock.calls.length;
    for (const [route, attempt] of Object.entries(attempts)) {
      const res = await attempt(user, browser);
      assert.equal(res.status, 403, `${route}: ${res.status} ${res.text.slice(0, 300)}`);
      assert.match(res.text, /"code":"email_unverified"|data-code="email_unverified"/, route);
    }
    assert.deepEqual(await hashes(), before, 'nothing written');
    assert.equal(mock.calls.length, stripeCalls, 'Stripe was asked nothing');

    await confirmAddressFromOutbox(server, user);
    for (const [route, attempt] of Object.entries(attempts)) {
      const res = await attempt(user, browser);
      assert.ok([200, 201, 303].includes(res.status), `${route} once confirmed: ${res.status} ${res.text.slice(0, 300)}`);
    }
  });
});
