import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { issueSiteToken } from '../src/auth/index.js';
import { manualProvider, recordDeposit } from '../src/deposits/index.js';
import type { AnyRouteSpec } from '../src/http/route.js';
import { addMonths, periodOf } from '../src/money/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { createEmailToken } from '../src/auth/email-tokens.js';
import { flushMail } from '../src/mail/index.js';
import {
  createAdmin, deliverStripeEvent, signup, startStripeMock, startTestServer, stripeEvent, stripeTestEnv, testClient,
  type StripeMock, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { hiddenField, PageBrowser, type PageResponse } from '../src/widget/testing/page-browser.js';

const REDIRECT = 'https://app.example/callback';
/** What a page on a sibling origin of the host (another port, a sibling subdomain) can plant: cookies ignore ports. */
const PLANTED = 'planted-by-a-sibling-origin-0123456789abcdef';

/**
 * The service's HTML forms: every POST route outside the JSON API. The JSON
 * API (`/v1/*`, `/oauth/token`) is Bearer-only and never reads cookies.
 */
function formRoutes(routes: AnyRouteSpec[]): AnyRouteSpec[] {
  return routes.filter((r) => r.method === 'post' && !r.path.startsWith('/v1/') && r.path !== '/oauth/token');
}

/**
 * The one specification of CSRF on the service's forms: the account pages
 * (and the email-link and password-reset forms), the OAuth consent, the
 * confirm window (as a window, and as the full page the plain /flattr link
 * opens), /settings, and the reader's, creator's (payout destination),
 * admin's (Stripe approvals) and demo's pages. Each form has a case below
 * (one per page that posts it); every case is tried every way a foreign
 * page could forge it, by an admin whose form would otherwise act (real ids,
 * money to move, a proof in place), and once as the service's own page,
 * where it must act.
 *
 * Finding 1 of the outside review: with a session, the forms still accepted
 * the pre-login double-submit cookie, which a sibling origin can plant. Now a
 * session's forms count only its own synchronizer token; a sent `Origin` or
 * `Sec-Fetch-Site` that is not the service's own is refused; and on https the
 * cookies carry the `__Host-` prefix, which no sibling can set.
 */
describe('CSRF on every form (docs/auth.md, "First-party session and pages")', () => {
  let server: TestServer;
  let api: TestClient;
  let clientId: string;
  let serial = 0;
  let monthsBack = 0;
  let mock: StripeMock;
  const proofServers: ProofServer[] = [];

  /** A logged-in admin with money: every form of every page would act for them. */
  interface Victim { user: TestUser; browser: PageBrowser; sessionToken: string }

  async function victim(): Promise<Victim> {
    const user = await createAdmin(server, api);
    await recordDeposit(server.ctx, manualProvider, { userId: user.id, amount: 10_000, reference: `csrf-victim-${user.id}` });
    const browser = new PageBrowser(server.url);
    await browser.logIn(user.email, user.password);
    const sessionToken = hiddenField((await browser.get('/account')).text, '_csrf');
    return { user, browser, sessionToken };
  }

  function authorizeFields(): Record<string, string> {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    return {
      response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge,
      code_challenge_method: 'S256', scope: 'read flattr', state: 'st',
    };
  }

  /** An ended month nobody has distributed yet (a fresh one each call). */
  function endedPeriod(): string {
    monthsBack += 1;
    return addMonths(periodOf(server.ctx.clock.now()), -monthsBack);
  }

  const oid = (id: string) => new ObjectId(id);
  const col = (name: string) => server.db.collection(name);

  interface FormCase {
    /** Where one route serves more than one page's form: which one. */
    variant?: string;
    /** The request a real page would send, without `_csrf`. */
    path: string;
    fields: Record<string, string>;
    /** Whether the form acted: read from the database, or from the answer where the form only answers (the ledger check). */
    tookEffect: (res: PageResponse) => Promise<boolean>;
  }

  /**
   * For each form route: the case for victim `v`, with what the form acts on
   * made first. Every form route must have one: a new form without a case
   * here fails the coverage test below.
   */
  const forms: Record<string, (v: Victim) => Promise<FormCase | FormCase[]>> = {
    '/account/login': async (v) => {
      const before = v.browser.cookies.get('flattr_session');
      return {
        path: '/account/login',
        fields: { email: v.user.email, password: v.user.password, next: '/account' },
        // A login with a session replaces it: a new session cookie.
        tookEffect: async () => v.browser.cookies.get('flattr_session') !== before,
      };
    },
    '/account/signup': async () => {
      const email = `csrf-signup-${(serial += 1)}-${randomBytes(3).toString('hex')}@example.test`;
      return {
        path: '/account/signup',
        fields: { email, password: 'a long enough password', name: 'Signed Up' },
        tookEffect: async () => (await col('users').countDocuments({ email })) > 0,
      };
    },
    '/account/logout': async (v) => ({
      path: '/account/logout',
      fields: {},
      tookEffect: async () => (await col('sessions').countDocuments({ userId: oid(v.user.id) })) === 0,
    }),
    '/oauth/authorize': async (v) => ({
      path: '/oauth/authorize',
      fields: { ...authorizeFields(), decision: 'approve' },
      tookEffect: async () => (await col('oauth_codes').countDocuments({ userId: oid(v.user.id) })) > 0,
    }),
    // The confirm window, and the same form as the full page the plain /flattr link opens (`return` instead of `origin`).
    '/widget/confirm': async (v) => ['window', 'full page'].map((variant) => {
      const url = `https://blog.example/csrf/${(serial += 1)}`;
      return {
        variant,
        path: '/widget/confirm',
        fields: { url, title: 'Post', ...(variant === 'window' ? { origin: 'https://blog.example', oneClick: '1' } : { return: url }) },
        tookEffect: async () => {
          const thing = await col('things').findOne({ url });
          return thing !== null && (await col('flattrs').countDocuments({ readerId: oid(v.user.id), thingId: thing._id })) > 0;
        },
      };
    }),
    '/settings/budget': async (v) => ({
      path: '/settings/budget',
      fields: { budget: '77.00' },
      tookEffect: async () => (await col('users').findOne({ _id: oid(v.user.id) }))?.budget === 7700,
    }),
    '/settings/site-tokens/:id/revoke': async (v) => {
      const { siteToken } = await issueSiteToken(server.ctx, v.user.id, 'https://blog.example');
      return {
        path: `/settings/site-tokens/${siteToken.id}/revoke`,
        fields: {},
        tookEffect: async () => (await col('site_tokens').findOne({ _id: oid(siteToken.id) }))?.revokedAt != null,
      };
    },
    '/settings/site-tokens/:id/cap': async (v) => {
      const { siteToken } = await issueSiteToken(server.ctx, v.user.id, 'https://blog.example');
      return {
        path: `/settings/site-tokens/${siteToken.id}/cap`,
        fields: { monthlyCap: '77' },
        tookEffect: async () => (await col('site_tokens').findOne({ _id: oid(siteToken.id) }))?.monthlyCap === 77,
      };
    },
    '/account/top-up': async (v) => {
      const reference = `page-${randomBytes(12).toString('hex')}`;
      return {
        path: '/account/top-up',
        fields: { provider: 'demo', amount: '5', reference },
        tookEffect: async () => (await col('journal').countDocuments({ _id: `deposit:demo:${v.user.id}:${reference}` as never })) > 0,
      };
    },
    '/account/flattrs/:id/withdraw': async (v) => {
      const flattr = await api.post('/v1/flattrs', { url: `https://blog.example/withdraw/${(serial += 1)}`, title: 'Post' }, { token: v.user.token });
      assert.equal(flattr.status, 201, flattr.text);
      return {
        path: `/account/flattrs/${flattr.body.id}/withdraw`,
        fields: {},
        tookEffect: async () => (await col('flattrs').countDocuments({ _id: oid(flattr.body.id) })) === 0,
      };
    },
    '/account/subscriptions/:id/:action': async (v) => {
      // A click makes the thing (subscriptions name things that exist).
      const click = await api.post('/v1/flattrs', { url: `https://blog.example/subscribe/${(serial += 1)}`, title: 'Post' }, { token: v.user.token });
      const subscription = await api.post('/v1/subscriptions', { thingId: click.body.thing.id, months: 2 }, { token: v.user.token });
      assert.equal(subscription.status, 201, subscription.text);
      return {
        path: `/account/subscriptions/${subscription.body.id}/cancel`,
        fields: {},
        tookEffect: async () => (await col('subscriptions').findOne({ _id: oid(subscription.body.id) }))?.cancelledAt != null,
      };
    },
    '/creator/sites': async (v) => {
      const host = `csrf-site-${(serial += 1)}.example`;
      return {
        path: '/creator/sites',
        fields: { url: `https://${host}` },
        tookEffect: async () => (await col('sites').countDocuments({ userId: oid(v.user.id), host })) > 0,
      };
    },
    '/creator/sites/:id/verify': async (v) => {
      const site = await startProofServer();
      proofServers.push(site);
      site.pages.set('/.well-known/flattr', { body: v.user.id });
      const added = await api.post('/v1/sites', { url: site.origin }, { token: v.user.token });
      assert.equal(added.status, 201, added.text);
      return {
        path: `/creator/sites/${added.body.id}/verify`,
        fields: {},
        tookEffect: async () => (await col('sites').findOne({ _id: oid(added.body.id) }))?.verifiedAt != null,
      };
    },
    '/creator/payouts': async (v) => {
      const before = await col('payouts').countDocuments({ userId: oid(v.user.id) });
      return {
        path: '/creator/payouts',
        fields: { amount: '1' },
        tookEffect: async () => (await col('payouts').countDocuments({ userId: oid(v.user.id) })) > before,
      };
    },
    '/admin/ledger/verify': async () => ({
      path: '/admin/ledger/verify',
      fields: {},
      // The check writes nothing: it answers the admin page with its report.
      tookEffect: async (res) => res.status === 200 && res.text.includes('id="ledger-report"'),
    }),
    '/admin/distributions': async () => {
      const period = endedPeriod();
      return {
        path: '/admin/distributions',
        fields: { period },
        tookEffect: async () => (await col('distributions').countDocuments({ _id: period as never })) > 0,
      };
    },
    '/admin/deposits': async (v) => {
      const reference = `csrf-deposit-${(serial += 1)}`;
      return {
        path: '/admin/deposits',
        fields: { user: v.user.email, amount: '5', reference },
        tookEffect: async () => (await col('journal').countDocuments({ _id: `deposit:manual:${reference}` as never })) > 0,
      };
    },
    '/admin/payouts/:id/paid': async (v) => {
      const payout = await api.post('/v1/me/payouts', { amount: 100 }, { token: v.user.token });
      assert.equal(payout.status, 201, payout.text);
      return {
        path: `/admin/payouts/${payout.body.id}/paid`,
        fields: { reference: 'CSRF-1' },
        tookEffect: async () => (await col('payouts').findOne({ _id: oid(payout.body.id) }))?.status === 'paid',
      };
    },
    '/admin/users/:id/roles': async () => {
      const other = await signup(api);
      return {
        path: `/admin/users/${other.id}/roles`,
        fields: { roles: 'admin' },
        tookEffect: async () => ((await col('users').findOne({ _id: oid(other.id) }))?.roles as string[]).includes('admin'),
      };
    },
    '/account/verify/resend': async (v) => {
      // The signup's own link went out in the background, and links are sent at most once a minute.
      await flushMail(server.ctx);
      server.clock.advance(61_000);
      const before = await col('email_tokens').countDocuments({ userId: oid(v.user.id), kind: 'verify' });
      return {
        path: '/account/verify/resend',
        fields: {},
        tookEffect: async () => (await col('email_tokens').countDocuments({ userId: oid(v.user.id), kind: 'verify' })) > before,
      };
    },
    '/account/verify': async (v) => {
      const token = await createEmailToken(server.ctx, { kind: 'verify', userId: oid(v.user.id), email: v.user.email.toLowerCase(), ttlMs: 3_600_000 });
      return {
        path: '/account/verify',
        fields: { token: token.secret },
        tookEffect: async () => (await col('users').findOne({ _id: oid(v.user.id) }))?.emailVerifiedAt instanceof Date,
      };
    },
    '/account/forgot': async (v) => {
      await flushMail(server.ctx);
      server.clock.advance(61_000);
      const before = await col('email_tokens').countDocuments({ userId: oid(v.user.id), kind: 'reset' });
      return {
        path: '/account/forgot',
        fields: { email: v.user.email },
        // The reset link is made in the background (the answer must not tell known addresses apart): wait for it.
        tookEffect: async () => {
          await flushMail(server.ctx);
          return (await col('email_tokens').countDocuments({ userId: oid(v.user.id), kind: 'reset' })) > before;
        },
      };
    },
    '/account/reset': async (v) => {
      const token = await createEmailToken(server.ctx, { kind: 'reset', userId: oid(v.user.id), email: v.user.email.toLowerCase(), ttlMs: 3_600_000 });
      const before = (await col('users').findOne({ _id: oid(v.user.id) }))?.passwordHash;
      return {
        path: '/account/reset',
        fields: { token: token.secret, password: 'a new password for csrf' },
        tookEffect: async () => (await col('users').findOne({ _id: oid(v.user.id) }))?.passwordHash !== before,
      };
    },
    '/creator/payouts/bank': async (v) => ({
      path: '/creator/payouts/bank',
      fields: { holder: 'CSRF Holder', iban: 'DE89370400440532013000' },
      tookEffect: async () => (await col('payout_destinations').findOne({ _id: v.user.id as never }))?.bank?.holder === 'CSRF Holder',
    }),
    '/creator/payouts/stripe': async (v) => ({
      path: '/creator/payouts/stripe',
      fields: {},
      tookEffect: async () => typeof (await col('payout_destinations').findOne({ _id: v.user.id as never }))?.stripeAccountId === 'string',
    }),
    '/creator/payouts/manual': async (v) => {
      const connected = await api.post('/v1/me/payout-destination/stripe', undefined, { token: v.user.token });
      assert.equal(connected.status, 200, connected.text);
      return {
        path: '/creator/payouts/manual',
        fields: {},
        tookEffect: async () => (await col('payout_destinations').findOne({ _id: v.user.id as never }))?.method === 'manual',
      };
    },
    '/admin/payouts/:id/approve': async (v) => {
      const connected = await api.post('/v1/me/payout-destination/stripe', undefined, { token: v.user.token });
      assert.equal(connected.status, 200, connected.text);
      const ready = stripeEvent('account.updated', { id: connected.body.accountId, object: 'account', type: 'express', details_submitted: true, capabilities: { transfers: 'active' } });
      assert.equal((await deliverStripeEvent(server.url, ready)).status, 200);
      const payout = await api.post('/v1/me/payouts', { amount: 100 }, { token: v.user.token });
      assert.equal(payout.body.method, 'stripe', payout.text);
      return {
        path: `/admin/payouts/${payout.body.id}/approve`,
        fields: {},
        tookEffect: async () => (await col('payouts').findOne({ _id: oid(payout.body.id) }))?.status === 'paid',
      };
    },
    '/demo/end-month': async () => {
      // An ended month: the button distributes it without moving the demo clock (the other cases keep their month).
      const period = endedPeriod();
      return {
        path: '/demo/end-month',
        fields: { period, back: '/account' },
        tookEffect: async () => (await col('distributions').countDocuments({ _id: period as never })) > 0,
      };
    },
  };

  /** Every case of a form route (most have one). */
  async function casesOf(path: string, v: Victim): Promise<FormCase[]> {
    const cases = await forms[path]!(v);
    return Array.isArray(cases) ? cases : [cases];
  }
  const nameOf = (form: FormCase) => (form.variant ? `${form.path} (${form.variant})` : form.path);

  /** Every document of every collection, hashed: any write shows. Rate-limit counters count every request, refused or not: left out. */
  async function fingerprint(): Promise<string> {
    const hash = createHash('sha256');
    const names = (await server.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('rate_limit_')).sort();
    for (const name of names) {
      hash.update(name);
      for (const doc of await col(name).find({}).sort({ _id: 1 }).toArray()) hash.update(JSON.stringify(doc));
    }
    return hash.digest('hex');
  }

  before(async () => {
    // Stripe (stripe-mock) and mail (the dev outbox) on, so that their forms act too; payouts need no confirmed address here.
    mock = await startStripeMock();
    server = await startTestServer({ env: { DEMO_MODE: 'true', DEMO_TOPUP: 'true', ...stripeTestEnv(mock.url), DEV_MAIL_OUTBOX: 'true', EMAIL_VERIFICATION: 'off' } });
    api = testClient(server.url);
    const developer = await signup(api);
    const client = await api.post('/v1/oauth/clients', { name: 'Some App', redirectUris: [REDIRECT] }, { token: developer.token });
    assert.equal(client.status, 201, client.text);
    clientId = client.body.clientId;
  });
  after(async () => {
    await Promise.all(proofServers.map((s) => s.close()));
    await server?.close();
    await mock?.stop();
  });

  it('has a case for every form route of the app, and none for a route it lacks', () => {
    const paths = formRoutes(server.app.routes).map((r) => r.path);
    assert.ok(paths.length >= 20, `found the forms: ${paths.join(', ')}`);
    assert.deepEqual(paths.filter((path) => !forms[path]), [], 'forms without a CSRF case');
    assert.deepEqual(Object.keys(forms).filter((path) => !paths.includes(path)), [], 'cases for forms the app does not have');
  });

  it('refuses every form without a token, with another user\'s token, with a planted double-submit cookie, marked cross-site or same-site, or from a foreign Origin (403 csrf_failed), and nothing is written', async () => {
    const v = await victim();
    const stranger = await victim();
    const foreignToken = stranger.sessionToken;
    assert.notEqual(foreignToken, v.sessionToken);
    const failures: string[] = [];
    for (const route of formRoutes(server.app.routes)) {
      for (const form of await casesOf(route.path, v)) {
        const attempts: Array<[how: string, fields: Record<string, string>, headers: Record<string, string>, plant?: boolean]> = [
          ['no token', form.fields, {}],
          ['another user\'s token', { ...form.fields, _csrf: foreignToken }, {}],
          // A foreign page that sends no Origin (old browsers, `Referrer-Policy: no-referrer` tricks): only the token is left.
          ['a planted double-submit cookie', { ...form.fields, _csrf: PLANTED }, {}, true],
          ['Sec-Fetch-Site cross-site', { ...form.fields, _csrf: v.sessionToken }, { 'sec-fetch-site': 'cross-site' }],
          ['Sec-Fetch-Site same-site (a sibling origin)', { ...form.fields, _csrf: v.sessionToken }, { 'sec-fetch-site': 'same-site' }],
          ['a foreign Origin (another port of the host)', { ...form.fields, _csrf: v.sessionToken }, { origin: 'http://127.0.0.1:1' }],
          ['a foreign Origin (another site)', { ...form.fields, _csrf: v.sessionToken }, { origin: 'https://evil.example' }],
        ];
        const before = await fingerprint();
        for (const [how, fields, headers, plant] of attempts) {
          if (plant) v.browser.cookies.set('flattr_csrf', PLANTED);
          const res = await v.browser.postForm(form.path, fields, headers);
          v.browser.cookies.delete('flattr_csrf');
          if (res.status !== 403 || !res.text.includes('csrf_failed')) failures.push(`${nameOf(form)} (${how}): ${res.status} ${res.text.slice(0, 120)}`);
          if (await form.tookEffect(res)) failures.push(`${nameOf(form)} (${how}) took effect`);
        }
        if (await fingerprint() !== before) failures.push(`${nameOf(form)}: something was written`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('acts on every form with the session\'s token from the service itself (Sec-Fetch-Site same-origin, our Origin): the refusals above are the checks\' doing', async () => {
    const failures: string[] = [];
    for (const route of formRoutes(server.app.routes)) {
      const v = await victim();
      for (const form of await casesOf(route.path, v)) {
        const res = await v.browser.postForm(form.path, { ...form.fields, _csrf: v.sessionToken }, { 'sec-fetch-site': 'same-origin', origin: server.url });
        if (res.status !== 303 && res.status !== 200) failures.push(`${nameOf(form)}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (!(await form.tookEffect(res))) failures.push(`${nameOf(form)} did not take effect`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('approving an OAuth app with a planted cookie gives the attacker no code', async () => {
    const v = await victim();
    v.browser.cookies.set('flattr_csrf', PLANTED);
    const res = await v.browser.postForm('/oauth/authorize', { ...authorizeFields(), decision: 'approve', _csrf: PLANTED });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('location'), null);
    assert.equal(await col('oauth_codes').countDocuments({ userId: oid(v.user.id) }), 0);
  });

  it('before login, the login form still works with its double-submit cookie, but not when marked same-site', async () => {
    const user = await signup(api);
    const browser = new PageBrowser(server.url);
    const token = hiddenField((await browser.get('/account/login')).text, '_csrf');
    const sibling = await browser.postForm('/account/login', { email: user.email, password: user.password, _csrf: token }, { 'sec-fetch-site': 'same-site' });
    assert.equal(sibling.status, 403);
    assert.equal(browser.cookies.has('flattr_session'), false);
    const res = await browser.postForm('/account/login', { email: user.email, password: user.password, _csrf: token }, { 'sec-fetch-site': 'same-origin' });
    assert.equal(res.status, 303);
    assert.ok(browser.cookies.has('flattr_session'));
  });

  it('a logout without a session is harmless: back to the login page, no CSRF error', async () => {
    const res = await new PageBrowser(server.url).postForm('/account/logout', {});
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/login');
  });
});

describe('CSRF and session cookies on https: the __Host- prefix', () => {
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    server = await startTestServer({ env: { PUBLIC_URL: 'https://flattr.example' } });
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  /** Set-Cookie lines by cookie name. */
  const setCookies = (headers: Headers) => new Map(headers.getSetCookie().map((line) => [line.slice(0, line.indexOf('=')), line]));

  it('names both cookies __Host-… with Secure, Path=/ and no Domain, and logs in with them', async () => {
    const user = await signup(api);
    const browser = new PageBrowser(server.url);
    const page = await browser.get('/account/login');
    const csrfCookie = setCookies(page.headers).get('__Host-flattr_csrf');
    assert.ok(csrfCookie, `Set-Cookie: ${page.headers.getSetCookie().join(' | ')}`);
    const res = await browser.postForm('/account/login', { email: user.email, password: user.password, _csrf: hiddenField(page.text, '_csrf') });
    assert.equal(res.status, 303, res.text);
    const sessionCookie = setCookies(res.headers).get('__Host-flattr_session');
    assert.ok(sessionCookie, `Set-Cookie: ${res.headers.getSetCookie().join(' | ')}`);
    for (const line of [csrfCookie, sessionCookie]) {
      assert.match(line, /; Secure/i);
      assert.match(line, /; Path=\/(;|$)/);
      assert.doesNotMatch(line, /; Domain=/i);
      assert.match(line, /; HttpOnly/i);
    }
    assert.equal((await browser.get('/account')).status, 200);
  });

  it('ignores unprefixed cookies a sibling origin could plant: no session from flattr_session, no double submit from flattr_csrf', async () => {
    const user = await signup(api);
    const real = new PageBrowser(server.url);
    const page = await real.get('/account/login');
    await real.postForm('/account/login', { email: user.email, password: user.password, _csrf: hiddenField(page.text, '_csrf') });
    const secret = real.cookies.get('__Host-flattr_session')!;
    const planted = new PageBrowser(server.url);
    planted.cookies.set('flattr_session', secret);
    assert.equal((await planted.get('/account')).status, 303, 'an unprefixed session cookie is not a session on https');

    const attacker = new PageBrowser(server.url);
    attacker.cookies.set('flattr_csrf', PLANTED);
    const login = await attacker.postForm('/account/login', { email: user.email, password: user.password, _csrf: PLANTED });
    assert.equal(login.status, 403);
  });
});
