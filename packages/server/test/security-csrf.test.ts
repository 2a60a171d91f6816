import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { issueSiteToken } from '../src/auth/index.js';
import type { AnyRouteSpec } from '../src/http/route.js';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

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

  interface Victim { user: TestUser; browser: PageBrowser; sessionToken: string }

  async function victim(): Promise<Victim> {
    const user = await signup(api);
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

  /**
   * For each form: the request a real page would send (without `_csrf`) and
   * how to tell that it took effect. Every form route must have one: a new
   * form without a case here fails the coverage test below.
   */
  const forms: Record<string, (v: Victim) => Promise<{ path: string; fields: Record<string, string>; tookEffect: () => Promise<boolean> }>> = {
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
        tookEffect: async () => (await server.db.collection('users').countDocuments({ email })) > 0,
      };
    },
    '/account/logout': async (v) => ({
      path: '/account/logout',
      fields: {},
      tookEffect: async () => (await server.db.collection('sessions').countDocuments({ userId: new ObjectId(v.user.id) })) === 0,
    }),
    '/oauth/authorize': async (v) => ({
      path: '/oauth/authorize',
      fields: { ...authorizeFields(), decision: 'approve' },
      tookEffect: async () => (await server.db.collection('oauth_codes').countDocuments({ userId: new ObjectId(v.user.id) })) > 0,
    }),
    '/settings/budget': async (v) => ({
      path: '/settings/budget',
      fields: { budget: '77.00' },
      tookEffect: async () => (await server.db.collection('users').findOne({ _id: new ObjectId(v.user.id) }))?.budget === 7700,
    }),
    '/settings/site-tokens/:id/revoke': async (v) => {
      const { siteToken } = await issueSiteToken(server.ctx, v.user.id, 'https://blog.example');
      return {
        path: `/settings/site-tokens/${siteToken.id}/revoke`,
        fields: {},
        tookEffect: async () => (await server.db.collection('site_tokens').findOne({ _id: new ObjectId(siteToken.id) }))?.revokedAt != null,
      };
    },
    '/settings/site-tokens/:id/cap': async (v) => {
      const { siteToken } = await issueSiteToken(server.ctx, v.user.id, 'https://blog.example');
      return {
        path: `/settings/site-tokens/${siteToken.id}/cap`,
        fields: { monthlyCap: '77' },
        tookEffect: async () => (await server.db.collection('site_tokens').findOne({ _id: new ObjectId(siteToken.id) }))?.monthlyCap === 77,
      };
    },
    '/widget/confirm': async (v) => {
      const url = `https://blog.example/csrf/${(serial += 1)}`;
      return {
        path: '/widget/confirm',
        fields: { url, title: 'Post', origin: 'https://blog.example', oneClick: '1' },
        tookEffect: async () => (await server.db.collection('flattrs').countDocuments({ readerId: new ObjectId(v.user.id) })) > 0,
      };
    },
  };

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    const developer = await signup(api);
    const client = await api.post('/v1/oauth/clients', { name: 'Some App', redirectUris: [REDIRECT] }, { token: developer.token });
    assert.equal(client.status, 201, client.text);
    clientId = client.body.clientId;
  });
  after(async () => { await server.close(); });

  it('has a case for every form route of the app', () => {
    const paths = formRoutes(server.app.routes).map((r) => r.path);
    assert.ok(paths.length >= 7, `found the forms: ${paths.join(', ')}`);
    for (const path of paths) assert.ok(forms[path], `no CSRF case for the form ${path}`);
  });

  it('with a session, refuses the planted double-submit cookie on every form (403 csrf_failed, nothing happens)', async () => {
    for (const route of formRoutes(server.app.routes)) {
      const v = await victim();
      const form = await forms[route.path]!(v);
      v.browser.cookies.set('flattr_csrf', PLANTED);
      // A foreign page that sends no Origin (old browsers, `Referrer-Policy: no-referrer` tricks): only the token is left.
      const res = await v.browser.postForm(form.path, { ...form.fields, _csrf: PLANTED });
      assert.equal(res.status, 403, `${route.path}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.match(res.text, /csrf_failed/, route.path);
      assert.equal(await form.tookEffect(), false, `${route.path} took effect`);
    }
  });

  it('refuses a request the browser marks cross-site or same-site (a sibling origin), even with the right token', async () => {
    for (const route of formRoutes(server.app.routes)) {
      for (const site of ['cross-site', 'same-site']) {
        const v = await victim();
        const form = await forms[route.path]!(v);
        const res = await v.browser.postForm(form.path, { ...form.fields, _csrf: v.sessionToken }, { 'sec-fetch-site': site });
        assert.equal(res.status, 403, `${route.path} (${site}): ${res.status}`);
        assert.equal(await form.tookEffect(), false, `${route.path} (${site}) took effect`);
      }
    }
  });

  it('refuses a foreign Origin on every form, even with the right token', async () => {
    for (const route of formRoutes(server.app.routes)) {
      const v = await victim();
      const form = await forms[route.path]!(v);
      const res = await v.browser.postForm(form.path, { ...form.fields, _csrf: v.sessionToken }, { origin: 'http://127.0.0.1:1' });
      assert.equal(res.status, 403, `${route.path}: ${res.status}`);
      assert.equal(await form.tookEffect(), false, `${route.path} took effect`);
    }
  });

  it('accepts the session token from the service itself (Sec-Fetch-Site same-origin, our Origin) on every form', async () => {
    for (const route of formRoutes(server.app.routes)) {
      const v = await victim();
      const form = await forms[route.path]!(v);
      const res = await v.browser.postForm(form.path, { ...form.fields, _csrf: v.sessionToken }, { 'sec-fetch-site': 'same-origin', origin: server.url });
      assert.ok(res.status === 303 || res.status === 200, `${route.path}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(await form.tookEffect(), true, `${route.path} did not take effect`);
    }
  });

  it('approving an OAuth app with a planted cookie gives the attacker no code', async () => {
    const v = await victim();
    v.browser.cookies.set('flattr_csrf', PLANTED);
    const res = await v.browser.postForm('/oauth/authorize', { ...authorizeFields(), decision: 'approve', _csrf: PLANTED });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('location'), null);
    assert.equal(await server.db.collection('oauth_codes').countDocuments({ userId: new ObjectId(v.user.id) }), 0);
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
