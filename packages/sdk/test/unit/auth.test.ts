import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { http, HttpResponse } from 'msw';
import { FlattrClient, localStorageAdapter, memoryStorage, type FlattrError } from '../../src/index.js';
import { authorizeWithLoopback } from '../../src/node.js';
import { API, flattr, mockApi, problem, recordRequests, testClient, user } from './setup.js';

const server = mockApi();
const seen = recordRequests(server);

function tokens(n: number) {
  return { accessToken: `access-${n}`, tokenType: 'Bearer', expiresIn: 900, refreshToken: `refresh-${n}`, user };
}

/** /v1/me accepts only `valid`; /v1/auth/refresh rotates refresh-1 → access-2/refresh-2 once. */
function sessionApi(state = { valid: 'access-2', refreshes: 0 }) {
  server.use(
    http.post(`${API}/v1/auth/login`, () => HttpResponse.json(tokens(1))),
    http.post(`${API}/v1/auth/refresh`, async ({ request }) => {
      const { refreshToken } = (await request.json()) as { refreshToken: string };
      state.refreshes += 1;
      if (refreshToken !== 'refresh-1') return problem(401, 'refresh_token_reused');
      return HttpResponse.json(tokens(2));
    }),
    http.get(`${API}/v1/me`, ({ request }) => (request.headers.get('authorization') === `Bearer ${state.valid}`
      ? HttpResponse.json(user)
      : problem(401, 'invalid_token'))),
  );
  return state;
}

describe('email/password sessions', () => {
  it('login stores the session and later calls send its access token', async () => {
    sessionApi({ valid: 'access-1', refreshes: 0 });
    const client = testClient();
    const answer = await client.auth.login({ email: user.email, password: 'correct horse battery' });
    assert.equal(answer.user.id, user.id);
    seen.length = 0;
    await client.me.get();
    assert.equal(seen[0]!.headers.get('authorization'), 'Bearer access-1');
    assert.equal((await client.auth.getSession())?.refreshToken, 'refresh-1');
  });

  it('a 401 refreshes once and retries once with the new token', async () => {
    const state = sessionApi();
    const client = testClient();
    await client.auth.login({ email: user.email, password: 'x'.repeat(10) });
    seen.length = 0;
    assert.equal((await client.me.get()).id, user.id);
    assert.deepEqual(seen.map((r) => `${new URL(r.url).pathname} ${r.headers.get('authorization') ?? ''}`), [
      '/v1/me Bearer access-1',
      '/v1/auth/refresh ',
      '/v1/me Bearer access-2',
    ]);
    assert.equal(state.refreshes, 1);
    assert.equal((await client.auth.getSession())?.refreshToken, 'refresh-2');
  });

  it('concurrent 401s share one refresh', async () => {
    const state = sessionApi();
    const client = testClient();
    await client.auth.login({ email: user.email, password: 'x'.repeat(10) });
    const answers = await Promise.all([client.me.get(), client.me.get(), client.me.get(), client.me.get()]);
    assert.equal(answers.length, 4);
    assert.equal(state.refreshes, 1);
  });

  it('clients made with withDefaults share the session and its refresh', async () => {
    const state = sessionApi();
    const client = testClient();
    const derived = client.withDefaults({ timeoutMs: 5000 });
    await client.auth.login({ email: user.email, password: 'x'.repeat(10) });
    await Promise.all([client.me.get(), derived.me.get()]);
    assert.equal(state.refreshes, 1);
  });

  it('a second 401 after the refresh is thrown, not refreshed again', async () => {
    const state = sessionApi({ valid: 'nothing-valid', refreshes: 0 });
    const client = testClient();
    await client.auth.login({ email: user.email, password: 'x'.repeat(10) });
    await assert.rejects(client.me.get(), { status: 401, code: 'invalid_token' });
    assert.equal(state.refreshes, 1);
  });

  it('a refused refresh signs out and the original 401 is thrown', async () => {
    sessionApi();
    const client = testClient();
    await client.auth.setSession({ accessToken: 'access-0', refreshToken: 'stolen', via: 'password' });
    const changes: boolean[] = [];
    client.on('session', ({ signedIn }) => changes.push(signedIn));
    await assert.rejects(client.me.get(), { status: 401, code: 'invalid_token' });
    assert.equal(await client.auth.getSession(), undefined);
    assert.deepEqual(changes, [false]);
  });

  it('a fixed token is never refreshed', async () => {
    sessionApi();
    seen.length = 0;
    await assert.rejects(testClient({ token: 'fpat_old' }).me.get(), { status: 401 });
    assert.equal(seen.length, 1);
  });

  it('an access token about to expire is refreshed before the call', async () => {
    sessionApi();
    const client = testClient();
    await client.auth.setSession({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: Date.now() + 1000, via: 'password' });
    seen.length = 0;
    await client.me.get();
    assert.deepEqual(seen.map((r) => new URL(r.url).pathname), ['/v1/auth/refresh', '/v1/me']);
  });

  it('signup stores the session; logout revokes the refresh token and forgets it', async () => {
    server.use(
      http.post(`${API}/v1/auth/signup`, () => HttpResponse.json(tokens(1), { status: 201 })),
      http.post(`${API}/v1/auth/logout`, () => new HttpResponse(null, { status: 204 })),
    );
    const client = testClient();
    await client.auth.signup({ email: 'new@example.test', password: 'x'.repeat(10), name: 'New' });
    assert.equal((await client.auth.getSession())?.accessToken, 'access-1');
    seen.length = 0;
    await client.auth.logout();
    assert.deepEqual(await seen[0]!.json(), { refreshToken: 'refresh-1' });
    assert.equal(await client.auth.getSession(), undefined);
  });

  it('the session lives in the pluggable storage (here a localStorage stand-in)', async () => {
    sessionApi({ valid: 'access-1', refreshes: 0 });
    const backing = new Map<string, string>();
    const storage = localStorageAdapter({
      getItem: (k) => backing.get(k) ?? null,
      setItem: (k, v) => void backing.set(k, v),
      removeItem: (k) => void backing.delete(k),
    });
    await testClient({ storage }).auth.login({ email: user.email, password: 'x'.repeat(10) });
    assert.deepEqual([...backing.keys()], [`flattr:session:${API}`]);
    // A new client on the same storage (a page reload) is signed in.
    assert.equal((await testClient({ storage }).me.get()).id, user.id);
  });
});

describe('OAuth 2.0 authorization code + PKCE', () => {
  function tokenEndpoint(received: URLSearchParams[]) {
    server.use(http.post(`${API}/oauth/token`, async ({ request }) => {
      assert.equal(request.headers.get('content-type'), 'application/x-www-form-urlencoded');
      const form = new URLSearchParams(await request.text());
      received.push(form);
      return HttpResponse.json({ access_token: 'oauth-access', token_type: 'Bearer', expires_in: 900, refresh_token: 'oauth-refresh' });
    }));
  }

  it('builds the authorize URL with an S256 challenge and state, and exchanges the code with the verifier', async () => {
    const received: URLSearchParams[] = [];
    tokenEndpoint(received);
    const client = testClient({ clientId: 'app-1' });
    const { url, state } = await client.auth.oauth.start({ redirectUri: 'https://app.example/cb', scope: 'read flattr' });
    const authorize = new URL(url);
    assert.equal(authorize.origin + authorize.pathname, `${API}/oauth/authorize`);
    const q = Object.fromEntries(authorize.searchParams);
    assert.deepEqual({ ...q, code_challenge: '…' }, {
      response_type: 'code', client_id: 'app-1', redirect_uri: 'https://app.example/cb', state,
      code_challenge: '…', code_challenge_method: 'S256', scope: 'read flattr',
    });
    const session = await client.auth.oauth.finish(`https://app.example/cb?code=the-code&state=${state}`);
    assert.equal(session.accessToken, 'oauth-access');
    const form = Object.fromEntries(received[0]!);
    assert.equal(form.grant_type, 'authorization_code');
    assert.equal(form.code, 'the-code');
    assert.equal(form.client_id, 'app-1');
    assert.equal(form.redirect_uri, 'https://app.example/cb');
    const challenge = createHash('sha256').update(form.code_verifier!).digest('base64url');
    assert.equal(challenge, q.code_challenge);
  });

  it('refuses an unknown state and a reused one', async () => {
    const received: URLSearchParams[] = [];
    tokenEndpoint(received);
    const client = testClient({ clientId: 'app-1' });
    await assert.rejects(client.auth.oauth.finish('https://app.example/cb?code=c&state=forged'), { code: 'oauth_state_mismatch' });
    const { state } = await client.auth.oauth.start({ redirectUri: 'https://app.example/cb' });
    await client.auth.oauth.finish(`https://app.example/cb?code=c&state=${state}`);
    await assert.rejects(client.auth.oauth.finish(`https://app.example/cb?code=c&state=${state}`), { code: 'oauth_state_mismatch' });
    assert.equal(received.length, 1);
  });

  it('reports a denied authorization with the server\'s error code', async () => {
    const client = testClient({ clientId: 'app-1' });
    const { state } = await client.auth.oauth.start({ redirectUri: 'https://app.example/cb' });
    await assert.rejects(client.auth.oauth.finish(`https://app.example/cb?error=access_denied&state=${state}`), { code: 'access_denied' });
  });

  it('popup: opens the authorize URL and finishes when the popup reaches the redirect URI', async () => {
    tokenEndpoint([]);
    const client = testClient({ clientId: 'app-1' });
    let closed = false;
    const popup = { closed: false, close: () => { closed = true; }, location: { href: 'about:blank' } };
    const session = await client.auth.oauth.popup({
      redirectUri: 'https://app.example/cb',
      pollMs: 5,
      open: (url) => {
        const state = new URL(url).searchParams.get('state');
        setTimeout(() => { popup.location.href = `https://app.example/cb?code=c&state=${state}`; }, 20);
        return popup as unknown as Window;
      },
    });
    assert.equal(session.accessToken, 'oauth-access');
    assert.ok(closed);
  });

  it('popup: a closed popup rejects with popup_closed', async () => {
    const client = testClient({ clientId: 'app-1' });
    const popup = { closed: true, close() {}, location: { href: 'about:blank' } };
    await assert.rejects(client.auth.oauth.popup({ redirectUri: 'https://app.example/cb', pollMs: 5, open: () => popup as unknown as Window }), { code: 'popup_closed' });
  });

  it('Node/CLI: a loopback listener on 127.0.0.1 receives the code', async () => {
    const received: URLSearchParams[] = [];
    tokenEndpoint(received);
    const client = testClient({ clientId: 'cli-1' });
    let shown = '';
    const session = await authorizeWithLoopback(client, {
      scope: 'read',
      // Stands in for the user's browser: the authorization server redirects it to the loopback URI.
      openUrl: async (url) => {
        shown = url;
        const q = new URL(url).searchParams;
        const redirect = new URL(q.get('redirect_uri')!);
        assert.equal(redirect.hostname, '127.0.0.1');
        redirect.searchParams.set('code', 'loopback-code');
        redirect.searchParams.set('state', q.get('state')!);
        const page = await fetch(redirect);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /You can close this window/);
      },
    });
    assert.ok(shown.startsWith(`${API}/oauth/authorize?`));
    assert.equal(session.accessToken, 'oauth-access');
    assert.equal(received[0]!.get('code'), 'loopback-code');
    assert.match(received[0]!.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  });

  it('an OAuth session refreshes through /oauth/token with its client id', async () => {
    const received: URLSearchParams[] = [];
    tokenEndpoint(received);
    server.use(http.get(`${API}/v1/me`, ({ request }) => (request.headers.get('authorization') === 'Bearer oauth-access'
      ? HttpResponse.json(user) : problem(401, 'invalid_token'))));
    const client = testClient();
    await client.auth.setSession({ accessToken: 'expired', refreshToken: 'r-old', via: 'oauth', clientId: 'app-9' });
    await client.me.get();
    assert.deepEqual(Object.fromEntries(received[0]!), { grant_type: 'refresh_token', refresh_token: 'r-old', client_id: 'app-9' });
  });
});

describe('site token (one click on a site)', () => {
  it('flattrs with the stored site token and emits `flattr`', async () => {
    server.use(http.post(`${API}/v1/flattrs`, () => HttpResponse.json(flattr, { status: 201 })));
    const storage = memoryStorage();
    const client = testClient({ storage });
    await client.siteToken.set('fsite_abc');
    assert.equal(await storage.get(`flattr:site-token:${API}`), 'fsite_abc');
    const events: boolean[] = [];
    client.on('flattr', ({ created }) => events.push(created));
    seen.length = 0;
    const result = await client.siteToken.flattr({ url: 'https://blog.example/a' });
    assert.equal(result.status, 201);
    assert.equal(seen[0]!.headers.get('authorization'), 'Bearer fsite_abc');
    assert.deepEqual(events, [true]);
  });

  it('a 403 from the site token forgets it', async () => {
    server.use(http.post(`${API}/v1/flattrs`, () => problem(403, 'origin_mismatch')));
    const client = testClient();
    await client.siteToken.set('fsite_abc');
    await assert.rejects(client.siteToken.flattr({ url: 'https://blog.example/a' }), (e: FlattrError) => e.code === 'origin_mismatch');
    assert.equal(await client.siteToken.get(), undefined);
  });

  for (const [status, code] of [[429, 'site_cap_reached'], [403, 'thing_not_on_site']] as const) {
    it(`keeps the site token on ${status} ${code}: the token is fine, this click is beyond it`, async () => {
      server.use(http.post(`${API}/v1/flattrs`, () => problem(status, code)));
      const client = testClient();
      await client.siteToken.set('fsite_abc');
      await assert.rejects(client.siteToken.flattr({ url: 'https://blog.example/a' }), (e: FlattrError) => e.code === code && e.status === status);
      assert.equal(await client.siteToken.get(), 'fsite_abc');
    });
  }

  it('without a stored site token it fails with no_site_token', async () => {
    await assert.rejects(testClient().siteToken.flattr({ url: 'https://blog.example/a' }), { code: 'no_site_token' });
  });
});

describe('events', () => {
  it('`flattr` and `withdraw` fire for UIs; unsubscribe stops them', async () => {
    server.use(
      http.post(`${API}/v1/flattrs`, () => HttpResponse.json(flattr, { status: 200 })),
      http.delete(`${API}/v1/flattrs/:id`, () => new HttpResponse(null, { status: 204 })),
    );
    const client = new FlattrClient({ baseUrl: API, token: 't' });
    const log: string[] = [];
    const off = client.on('flattr', ({ flattr: f, created }) => log.push(`flattr ${f.id} ${created}`));
    client.on('withdraw', ({ id }) => log.push(`withdraw ${id}`));
    await client.flattrs.create({ thingId: flattr.thingId });
    await client.flattrs.withdraw(flattr.id);
    off();
    await client.flattrs.create({ thingId: flattr.thingId });
    assert.deepEqual(log, [`flattr ${flattr.id} false`, `withdraw ${flattr.id}`]);
  });
});
