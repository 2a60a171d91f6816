import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testClient, type TestServer } from '../src/testing/index.js';

/** Just enough of a browser: a cookie jar, form posts, no redirect following. */
function browser(baseUrl: string) {
  const jar = new Map<string, string>();
  const send = async (method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return {
    jar,
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, form: Record<string, string>, headers?: Record<string, string>) => send('POST', path, form, headers),
  };
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, 'the form has a _csrf field');
  return match[1]!;
}

describe('first-party session, CSRF and account pages', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await testClient(server.url).post('/v1/auth/signup', { email: 'page@example.org', password: 'page password 123', name: 'Page <b>Reader</b>' });
  });
  after(async () => { await server.close(); });

  it('serves the login form with a strict CSP, no framing, and a CSRF field', async () => {
    const b = browser(server.url);
    const page = await b.get('/account/login');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.equal(page.headers.get('content-security-policy'),
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(page.text, /<script|style=|<style/i, 'no inline script or style');
    assert.match(page.text, /<link rel="stylesheet" href="\/assets\/pages.css">/);
    csrfOf(page.text);
    const css = await b.get('/assets/pages.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type')!, /text\/css/);
  });

  it('logs in: sets flattr_session HttpOnly, SameSite=Lax, Path=/ (not Secure on http) and redirects to next', async () => {
    const b = browser(server.url);
    const csrf = csrfOf((await b.get('/account/login?next=/account')).text);
    const res = await b.post('/account/login', { email: 'page@example.org', password: 'page password 123', next: '/widget/confirm?url=x', _csrf: csrf });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/widget/confirm?url=x');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('flattr_session='));
    assert.ok(cookie, 'session cookie set');
    assert.match(cookie, /; HttpOnly/i);
    assert.match(cookie, /; SameSite=Lax/i);
    assert.match(cookie, /; Path=\/(;|$)/);
    assert.doesNotMatch(cookie, /; Secure/i);
    const secret = b.jar.get('flattr_session')!;
    const stored = await server.db.collection('sessions').findOne({});
    assert.ok(stored);
    assert.notEqual(stored.hash, secret, 'stored hashed');

    const account = await b.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.text, /Page &lt;b&gt;Reader&lt;\/b&gt;/, 'user data is escaped');
  });

  it('marks the cookie Secure (and names it __Host-flattr_session) when PUBLIC_URL is https', async () => {
    const secure = await startTestServer({ env: { PUBLIC_URL: 'https://flattr.example' } });
    try {
      await testClient(secure.url).post('/v1/auth/signup', { email: 's@example.org', password: 'secure password 1' });
      const b = browser(secure.url);
      const csrf = csrfOf((await b.get('/account/login')).text);
      const res = await b.post('/account/login', { email: 's@example.org', password: 'secure password 1', _csrf: csrf });
      assert.equal(res.status, 303);
      assert.match(res.headers.getSetCookie().find((c) => c.startsWith('__Host-flattr_session='))!, /; Secure/i);
    } finally {
      await secure.close();
    }
  });

  it('refuses a POST without CSRF token, with a wrong one, or from a foreign Origin: 403 csrf_failed', async () => {
    const b = browser(server.url);
    const csrf = csrfOf((await b.get('/account/login')).text);
    const creds = { email: 'page@example.org', password: 'page password 123' };
    for (const [form, headers] of [
      [creds, {}],
      [{ ...creds, _csrf: 'x'.repeat(43) }, {}],
      [{ ...creds, _csrf: csrf }, { origin: 'https://evil.example' }],
    ] as const) {
      const res = await b.post('/account/login', form, headers);
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.text).code, 'csrf_failed');
    }
    // `Origin: null` (privacy settings, no-referrer pages) carries no information: the token decides.
    const nullOrigin = await b.post('/account/login', { ...creds, _csrf: csrf }, { origin: 'null' });
    assert.equal(nullOrigin.status, 303);
    const sameOrigin = browser(server.url);
    const sameCsrf = csrfOf((await sameOrigin.get('/account/login')).text);
    assert.equal((await sameOrigin.post('/account/login', { ...creds, _csrf: sameCsrf }, { origin: server.url })).status, 303);
    // Another browser's token does not work in this one.
    const other = browser(server.url);
    const otherCsrf = csrfOf((await other.get('/account/login')).text);
    const fresh = browser(server.url);
    await fresh.get('/account/login');
    const res = await fresh.post('/account/login', { ...creds, _csrf: otherCsrf });
    assert.equal(res.status, 403);
    assert.equal(fresh.jar.has('flattr_session'), false);
  });

  it('ignores next pointing to another origin (no open redirect)', async () => {
    for (const next of ['https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aLocation:x', 'evil']) {
      const b = browser(server.url);
      const page = await b.get(`/account/login?next=${encodeURIComponent(next)}`);
      assert.doesNotMatch(page.text, /evil\.example/);
      const res = await b.post('/account/login', { email: 'page@example.org', password: 'page password 123', next, _csrf: csrfOf(page.text) });
      assert.equal(res.status, 303);
      const location = res.headers.get('location')!;
      assert.ok(location.startsWith('/') && !location.startsWith('//') && !location.includes('\\'), `${next} → ${location}`);
      assert.doesNotMatch(location, /evil/);
    }
  });

  it('answers a wrong password on the form with the form again (401), without a session', async () => {
    const b = browser(server.url);
    const csrf = csrfOf((await b.get('/account/login')).text);
    const res = await b.post('/account/login', { email: 'page@example.org', password: 'wrong password', _csrf: csrf });
    assert.equal(res.status, 401);
    assert.match(res.text, /Wrong email or password/);
    assert.match(res.text, /value="page@example.org"/);
    assert.equal(b.jar.has('flattr_session'), false);
  });

  it('sends pages that need a session to the login with next, and back after login', async () => {
    const b = browser(server.url);
    const res = await b.get('/account');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/login?next=%2Faccount');
  });

  it('signs up through the form (409 again for a taken email) and logs out with CSRF', async () => {
    const b = browser(server.url);
    let csrf = csrfOf((await b.get('/account/signup')).text);
    const short = await b.post('/account/signup', { email: 'new@example.org', password: 'short', _csrf: csrf });
    assert.equal(short.status, 400);
    const res = await b.post('/account/signup', { email: 'new@example.org', password: 'new page password', name: 'New', _csrf: csrf });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account');
    assert.ok(b.jar.has('flattr_session'));
    const again = browser(server.url);
    const taken = await again.post('/account/signup', {
      email: 'NEW@example.org', password: 'new page password', _csrf: csrfOf((await again.get('/account/signup')).text) });
    assert.equal(taken.status, 409);

    const account = await b.get('/account');
    csrf = csrfOf(account.text);
    assert.equal((await b.post('/account/logout', {})).status, 403, 'logout needs CSRF too');
    const out = await b.post('/account/logout', { _csrf: csrf });
    assert.equal(out.status, 303);
    assert.equal(b.jar.has('flattr_session'), false);
    assert.equal((await b.get('/account')).status, 303);
  });

  it('gives a new session id at each login (no fixation) and expires sessions', async () => {
    const b = browser(server.url);
    const login = async () => {
      const page = await b.get('/account/login');
      if (page.status === 303) return;
      await b.post('/account/login', { email: 'page@example.org', password: 'page password 123', _csrf: csrfOf(page.text) });
    };
    await login();
    const first = b.jar.get('flattr_session');
    b.jar.set('flattr_session', 'attacker-chosen');
    await login();
    const second = b.jar.get('flattr_session');
    assert.ok(first && second && first !== second && second !== 'attacker-chosen');
    server.clock.advance((server.config.jwt.refreshTokenTtlDays * 86_400 + 1) * 1000);
    try {
      assert.equal((await b.get('/account')).status, 303);
    } finally {
      server.clock.advance(-(server.config.jwt.refreshTokenTtlDays * 86_400 + 1) * 1000);
    }
  });
});
