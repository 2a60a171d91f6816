/**
 * The server the fuzz tests attack (fuzz-openapi, fuzz-properties): the real
 * server with every concern switched on, so every operation of the OpenAPI
 * document is there and acts: Stripe against stripe-mock (card top-ups,
 * webhooks, Connect payouts; the payments tests' peer), mail into the
 * development outbox (email verification, password reset, and /dev/mail,
 * which exists only then), and a SEPA debtor account (the SEPA export). A
 * refusal audit watches every request; a reader with a confirmed address
 * (payouts need one) and an admin, each logged in on the pages too; a little
 * of everything seeded, so list endpoints answer with items and schemas are
 * checked on real documents.
 */
import assert from 'node:assert/strict';
import { backgroundRuns } from '../../src/distribution/index.js';
import { modules } from '../../src/modules.js';
import { RATE_LIMIT_COLLECTIONS } from '../../src/rate-limits/index.js';
import {
  createAdmin, deliverStripeEvent, refusalAudit, signup, startStripeMock, startTestServer, stripeEvent, stripeTestEnv, testClient,
  type RefusalAudit, type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../../src/testing/index.js';
import { confirmAddressFromOutbox, PageBrowser } from './pages.js';

/**
 * Collections a refused request may change: only the rate limiters' counters (docs/security.md,
 * "Rate limits"). Every request counts against the per-IP quota, refused or not, and a refused
 * login against the login throttles: that is their point (a flood of bad requests must use up the
 * quota too). Nothing else may change.
 */
export const MAY_CHANGE_WHEN_REFUSED: string[] = Object.values(RATE_LIMIT_COLLECTIONS);

export interface FuzzTarget {
  server: TestServer;
  api: TestClient;
  audit: RefusalAudit;
  stripe: StripeMock;
  /** A reader with a confirmed address, a bank account, a Stripe account being onboarded, a payout requested. */
  reader: TestUser;
  admin: TestUser;
  /** The reader's and the admin's page sessions. */
  readerPages: PageBrowser;
  adminPages: PageBrowser;
  /** Ids the seed made, for path parameters that should name something real. */
  seeded: { payoutId: string; checkoutId: string; thingId: string; stripeAccountId: string };
  close(): Promise<void>;
}

export async function startFuzzTarget(env: Record<string, string> = {}): Promise<FuzzTarget> {
  const audit = refusalAudit({ exclude: MAY_CHANGE_WHEN_REFUSED });
  const stripe = await startStripeMock();
  const server = await startTestServer({
    env: {
      ...stripeTestEnv(stripe.url),
      DEV_MAIL_OUTBOX: 'true',
      SEPA_DEBTOR_NAME: 'Flattr Fuzz Operator',
      SEPA_DEBTOR_IBAN: 'DE89370400440532013000',
      ...env,
    },
    monitorCommands: true,
    modules: [audit.module, ...modules],
  }).catch(async (error: unknown) => {
    await stripe.stop();
    throw error;
  });
  const api = testClient(server.url);
  const reader = await signup(api);
  const admin = await createAdmin(server, api);
  await confirmAddressFromOutbox(server, reader);
  const readerPages = new PageBrowser(server.url);
  await readerPages.logIn(reader.email, reader.password);
  const adminPages = new PageBrowser(server.url);
  await adminPages.logIn(admin.email, admin.password);
  const seeded = await seed(server, api, reader, admin);
  return {
    server, api, audit, stripe, reader, admin, readerPages, adminPages, seeded,
    async close() {
      await Promise.all(backgroundRuns.values());
      await server.close();
      await stripe.stop();
    },
  };
}

async function seed(server: TestServer, api: TestClient, reader: TestUser, admin: TestUser): Promise<FuzzTarget['seeded']> {
  const must = async (what: string, res: Promise<{ status: number; text: string; body: any }>) => {
    const answer = await res;
    assert.ok(answer.status < 300, `seeding ${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
    return answer.body;
  };
  await must('a deposit', api.post('/v1/admin/deposits', { userId: reader.id, amount: 5000, reference: 'fuzz-seed' }, { token: admin.token }));
  const thing = await must('a thing', api.post('/v1/things', { url: 'https://fuzz.example/thing', title: 'Fuzzed thing' }, { token: reader.token }));
  await must('a flattr', api.post('/v1/flattrs', { url: 'https://fuzz.example/post', title: 'Fuzzed post' }, { token: reader.token }));
  await must('a subscription', api.post('/v1/subscriptions', { url: 'https://fuzz.example/thing', months: 3 }, { token: reader.token }));
  await must('a site', api.post('/v1/sites', { url: 'https://fuzz.example' }, { token: reader.token }));
  await must('a personal token', api.post('/v1/me/tokens', { name: 'fuzz', scopes: ['read'] }, { token: reader.token }));
  await must('a bank account', api.put('/v1/me/payout-destination/bank', { holder: 'Fuzz Reader', iban: 'DE89 3704 0044 0532 0130 00' }, { token: reader.token }));
  const payout = await must('a payout', api.post('/v1/me/payouts', { amount: 100 }, { token: reader.token }));
  const connected = await must('a Stripe account', api.post('/v1/me/payout-destination/stripe', undefined, { token: reader.token }));
  const checkout = await must('a card top-up', api.post('/v1/me/deposits/checkout', { amount: 1000 }, { token: reader.token }));
  // A paid one too: a deposit with a Stripe id, which refunds and disputes the fuzzer makes up could name.
  const paid = await must('a second card top-up', api.post('/v1/me/deposits/checkout', { amount: 1500 }, { token: reader.token }));
  const delivered = await deliverStripeEvent(server.url, stripeEvent('checkout.session.completed', {
    id: paid.checkoutId, object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete',
    amount_total: 1500, currency: server.config.currency.toLowerCase(), payment_intent: 'pi_fuzz_seed',
    client_reference_id: reader.id, metadata: { flattrUserId: reader.id },
  }));
  assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
  return { payoutId: payout.id, checkoutId: checkout.checkoutId, thingId: thing.id, stripeAccountId: connected.accountId };
}
