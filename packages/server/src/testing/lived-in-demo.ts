import { requestPasswordReset } from '../auth/index.js';
import { endMonthNow } from '../demo-month/index.js';
import { flushMail, mailTransport, type DevOutbox } from '../mail/index.js';
import { DEMO_ADMIN, DEMO_CREATORS, DEMO_PASSWORD, DEMO_READER, demoBlogOrigin } from '../demo-sites/index.js';
import { seedDemo } from '../seed/index.js';
import { thingIdFor } from '../things/index.js';
import { testClient } from './http-client.js';
import type { TestServer } from './start-test-server.js';
import { deliverStripeEvent, stripeEvent, stripeTestEnv } from './stripe-webhooks.js';

/** Who looks at a page: nobody logged in, one of the demo's people, or a newcomer who has not confirmed their address yet. */
export type DemoViewer = 'anonymous' | 'reader' | 'creator' | 'admin' | 'newcomer';

/** The newcomer: signed up on their own during the demo month, card top-up, address not confirmed. */
export const DEMO_NEWCOMER_EMAIL = 'newcomer@example.test';

/**
 * The server environment `livedInDemo` needs: the demo (mode, play-money
 * top-up, its admin), mail to the development outbox as under `npm start`
 * (so addresses need confirming), Stripe against the caller's stripe-mock,
 * and a SEPA debtor account (the SEPA export's link).
 */
export function livedInDemoEnv(stripeMockUrl: string): Record<string, string> {
  return {
    DEMO_MODE: 'true', DEMO_TOPUP: 'true', ADMIN_EMAILS: DEMO_ADMIN.email, DEV_MAIL_OUTBOX: 'true', ...stripeTestEnv(stripeMockUrl),
    SEPA_DEBTOR_NAME: 'Flattr Demo Operator', SEPA_DEBTOR_IBAN: 'DE89370400440532013000',
  };
}

/** A page on a site nobody verified, as a blog's button or plain link names it. */
const CONFIRMED_THING = { url: 'https://new.example/post', title: 'A new post', creator: 'Sam' };

/** Every page of the service a person sees, with who sees it (the browser tests and the screenshots go through this list). */
export const DEMO_PAGES: ReadonlyArray<{ name: string; viewer: DemoViewer; path: (demo: LivedInDemo) => string }> = [
  { name: 'welcome', viewer: 'anonymous', path: () => '/welcome' },
  { name: 'login', viewer: 'anonymous', path: () => '/account/login' },
  { name: 'signup', viewer: 'anonymous', path: () => '/account/signup' },
  { name: 'forgot-password', viewer: 'anonymous', path: () => '/account/forgot' },
  { name: 'reset-password', viewer: 'anonymous', path: (d) => `/account/reset?token=${d.resetToken}` },
  { name: 'confirm-email', viewer: 'anonymous', path: () => '/account/verify?token=from-the-email' },
  { name: 'thing', viewer: 'anonymous', path: (d) => `/things/${d.thingId}` },
  { name: 'thing-by-url', viewer: 'anonymous', path: () => `/things?url=${encodeURIComponent('https://new.example/post')}` },
  { name: 'creator-profile', viewer: 'anonymous', path: (d) => `/creators/${d.adaId}` },
  // The confirm window as the button opens it, and as the full page the plain /flattr link (no script on the page) leads to.
  { name: 'confirm-window', viewer: 'reader', path: () => `/widget/confirm?${new URLSearchParams({ ...CONFIRMED_THING, origin: 'https://new.example' })}` },
  { name: 'confirm-full-page', viewer: 'reader', path: () => `/flattr?${new URLSearchParams(CONFIRMED_THING)}` },
  { name: 'account', viewer: 'reader', path: () => '/account' },
  { name: 'account-card-topup-succeeded', viewer: 'reader', path: (d) => `/account?checkout=${d.checkouts.succeeded}` },
  { name: 'account-card-topup-expired', viewer: 'reader', path: (d) => `/account?checkout=${d.checkouts.expired}` },
  { name: 'account-unconfirmed', viewer: 'newcomer', path: () => '/account' },
  { name: 'settings', viewer: 'reader', path: () => '/settings' },
  { name: 'creator', viewer: 'creator', path: () => '/creator' },
  { name: 'creator-unconfirmed', viewer: 'newcomer', path: () => '/creator' },
  { name: 'admin', viewer: 'admin', path: () => '/admin' },
  { name: 'admin-run', viewer: 'admin', path: (d) => `/admin/distributions/${d.endedPeriod}` },
  { name: 'admin-payments', viewer: 'admin', path: (d) => `/admin/payments?period=${d.endedPeriod}` },
  { name: 'dev-mail', viewer: 'anonymous', path: () => '/dev/mail' },
  { name: 'dev-mail-message', viewer: 'anonymous', path: (d) => `/dev/mail/${d.mailId}` },
];

/** The demo account each viewer logs in with (password DEMO_PASSWORD). */
export const DEMO_VIEWER_EMAILS: Record<Exclude<DemoViewer, 'anonymous'>, string> = {
  reader: DEMO_READER.email,
  creator: DEMO_CREATORS[0]!.email,
  admin: DEMO_ADMIN.email,
  newcomer: DEMO_NEWCOMER_EMAIL,
};

export interface LivedInDemo {
  /** The month that was ended and distributed. */
  endedPeriod: string;
  adaId: string;
  /** Ada's first post (flattred in both months). */
  thingId: string;
  /** A page on a site nobody verified yet (its share waits in escrow). */
  unclaimedUrl: string;
  /** The reader's card top-ups (Stripe Checkout sessions): one credited, one whose payment page expired. */
  checkouts: { succeeded: string; expired: string };
  /** The newcomer's password-reset link's secret (from the development outbox). */
  resetToken: string;
  /** A message in the development outbox. */
  mailId: number;
}

/**
 * The demo after a month of use, for page tests and screenshots: the seeded
 * people; the reader flattred both creators and a page nobody owns yet,
 * subscribed to a post and topped up by card (Stripe Checkout, confirmed by
 * a signed webhook; a second checkout expired); a newcomer signed up (address
 * not confirmed), topped up by card and flattred; the month was ended (demo
 * clock) and distributed; then the newcomer's card payment was disputed
 * after their money had gone to the creators (a debt); in the new month the
 * reader flattred again; Ada added an unverified site (with escrow waiting),
 * gave her bank account and asked for a payout by hand; Grace connected a
 * Stripe account and asked for a payout to approve; the newcomer asked for a
 * password-reset link. Needs a server started with `livedInDemoEnv(…)`
 * whose clock is set to mid-month.
 */
export async function livedInDemo(server: TestServer): Promise<LivedInDemo> {
  const api = testClient(server.url);
  await seedDemo(server.ctx, server.url);
  const [ada, grace] = DEMO_CREATORS as [typeof DEMO_CREATORS[0], typeof DEMO_CREATORS[0]];
  const post = (creator: typeof ada, i: number) => thingIdFor(`${demoBlogOrigin(creator, server.url)}/posts/${creator.posts[i]!.slug}`).toHexString();
  const logIn = async (email: string) => {
    const res = await api.post('/v1/auth/login', { email, password: DEMO_PASSWORD });
    if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${res.text}`);
    return res.body as { accessToken: string; user: { id: string } };
  };
  const must = async <T extends { status: number; text: string }>(what: string, promise: Promise<T>): Promise<T> => {
    const res = await promise;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
    return res;
  };
  const webhook = async (type: string, object: Record<string, unknown>) => {
    const res = await deliverStripeEvent(server.url, stripeEvent(type, object));
    if (res.status !== 200) throw new Error(`webhook ${type}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  /** A card top-up as Stripe confirms it: Checkout Session created, paid, its signed webhook delivered. */
  const cardTopUp = async (token: string, userId: string, amount: number, paymentIntent: string) => {
    const checkout = (await must('checkout', api.post('/v1/me/deposits/checkout', { amount }, { token }))).body.checkoutId as string;
    await webhook('checkout.session.completed', {
      id: checkout, object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete', amount_total: amount, currency: 'eur',
      payment_intent: paymentIntent, client_reference_id: userId, metadata: { flattrUserId: userId },
    });
    return checkout;
  };

  let reader = await logIn(DEMO_READER.email);
  const port = new URL(server.url).port;
  const unclaimedUrl = `http://unclaimed.localhost:${port}/an-essay`;
  for (const thingId of [post(ada, 0), post(grace, 0)]) await must('flattr', api.post('/v1/flattrs', { thingId }, { token: reader.accessToken }));
  await must('flattr unclaimed', api.post('/v1/flattrs', { url: unclaimedUrl, title: 'An essay nobody has claimed yet' }, { token: reader.accessToken }));
  await must('subscribe', api.post('/v1/subscriptions', { thingId: post(grace, 1), months: 3 }, { token: reader.accessToken }));
  const succeeded = await cardTopUp(reader.accessToken, reader.user.id, 20_00, 'pi_demo_reader_card');
  const expired = (await must('checkout', api.post('/v1/me/deposits/checkout', { amount: 15_00 }, { token: reader.accessToken }))).body.checkoutId as string;
  await webhook('checkout.session.expired', { id: expired, object: 'checkout.session', mode: 'payment', payment_status: 'unpaid', status: 'expired', amount_total: 15_00, currency: 'eur', client_reference_id: reader.user.id, metadata: { flattrUserId: reader.user.id } });

  const signedUp = await must('newcomer signup', api.post('/v1/auth/signup', { email: DEMO_NEWCOMER_EMAIL, password: DEMO_PASSWORD, name: 'Nina Newcomer' }));
  const newcomer = signedUp.body as { accessToken: string; user: { id: string } };
  await cardTopUp(newcomer.accessToken, newcomer.user.id, 15_00, 'pi_demo_newcomer_card');
  await must('newcomer budget', api.patch('/v1/me', { budget: 15_00 }, { token: newcomer.accessToken }));
  await must('newcomer flattr', api.post('/v1/flattrs', { thingId: post(grace, 0) }, { token: newcomer.accessToken }));

  const period = `${server.ctx.clock.now().toISOString().slice(0, 7)}`;
  const ended = await endMonthNow(server.ctx, period);
  await ended.done;

  // The newcomer's card payment is disputed after the month gave their money to Grace: what the wallet lacks is their debt.
  await webhook('charge.dispute.created', { id: 'dp_demo_newcomer', object: 'dispute', amount: 15_00, currency: 'eur', status: 'needs_response', payment_intent: 'pi_demo_newcomer_card', charge: 'ch_demo_newcomer_card' });

  reader = await logIn(DEMO_READER.email);
  for (const thingId of [post(ada, 0), post(ada, 1)]) await must('flattr', api.post('/v1/flattrs', { thingId }, { token: reader.accessToken }));
  const adaLogin = await logIn(ada.email);
  await must('add site', api.post('/v1/sites', { url: `http://unclaimed.localhost:${port}` }, { token: adaLogin.accessToken }));
  await must('bank account', api.put('/v1/me/payout-destination/bank', { holder: ada.name, iban: 'DE89 3704 0044 0532 0130 00' }, { token: adaLogin.accessToken }));
  await must('payout', api.post('/v1/me/payouts', { amount: 200 }, { token: adaLogin.accessToken }));
  const graceLogin = await logIn(grace.email);
  const connected = await must('connect Stripe', api.post('/v1/me/payout-destination/stripe', undefined, { token: graceLogin.accessToken }));
  await webhook('account.updated', { id: connected.body.accountId, object: 'account', type: 'express', details_submitted: true, payouts_enabled: true, capabilities: { transfers: 'active' } });
  await must('Stripe payout', api.post('/v1/me/payouts', { amount: 150 }, { token: graceLogin.accessToken }));

  await requestPasswordReset(server.ctx, DEMO_NEWCOMER_EMAIL);
  await flushMail(server.ctx);
  const outbox = (mailTransport(server.ctx) as unknown as { outbox: DevOutbox }).outbox.list();
  const reset = outbox.find((m) => m.to === DEMO_NEWCOMER_EMAIL && m.text.includes('/account/reset?token='));
  if (!reset) throw new Error('no password-reset message in the development outbox');
  const resetToken = new URL(/https?:\/\/\S+\/account\/reset\?token=\S+/.exec(reset.text)![0]).searchParams.get('token')!;
  return { endedPeriod: period, adaId: adaLogin.user.id, thingId: post(ada, 0), unclaimedUrl, checkouts: { succeeded, expired }, resetToken, mailId: reset.id };
}
