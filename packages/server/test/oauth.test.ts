import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

const REDIRECT = 'https://app.example/callback';

/** A cookie-keeping client for the HTML side of the flow. */
function browser(baseUrl: string) {
  const jar = new Map<string, string>();
  const send = async (method: string, path: string, form?: Record<string, string>) => {
    const res = await fetch(new URL(path, baseUrl), {
      method, redirect: 'manual',
      headers: {
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (pair.slice(eq + 1) === '') jar.delete(pair.slice(0, eq));
      else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { get: (path: string) => send('GET', path), post: (path: string, form: Record<string, string>) => send('POST', path, form) };
}

function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return fields;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('OAuth 2.0 authorization code with PKCE', () => {
  let server: TestServer;
  let api: TestClient;
  let owner: { token: string };
  let clientId: string;
  let reader: ReturnType<typeof browser>;

  function authorizeUrl(params: Record<string, string>) {
    return `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge_method: 'S256', state: 's-123', scope: 'read flattr', ...params })}`;
  }

  /** Consent given by the logged-in reader; returns the redirect's query. */
  async function approve(params: Record<string, string>, decision = 'approve'): Promise<URLSearchParams> {
    const page = await reader.get(authorizeUrl(params));
    assert.equal(page.status, 200, page.text);
    const res = await reader.post('/oauth/authorize', { ...hiddenFields(page.text), decision });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    return location.searchParams;
  }

  async function token(body: Record<string, string>, asJson = false) {
    return asJson
      ? api.post('/oauth/token', body)
      : api.request('POST', '/oauth/token', { rawBody: new URLSearchParams(body).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    owner = { token: (await api.post('/v1/auth/signup', { email: 'dev@example.org', password: 'developer password' })).body.accessToken };
    await api.post('/v1/auth/signup', { email: 'reader@example.org', password: 'reader password 1', name: 'Reader' });
    const client = await api.post('/v1/oauth/clients', { name: 'Reading App', redirectUris: [REDIRECT, 'http://127.0.0.1:8765/cb'] }, { token: owner.token });
    assert.equal(client.status, 201);
    clientId = client.body.clientId;
    reader = browser(server.url);
  });
  after(async () => { await server.close(); });

  it('registers public clients with https (or loopback http) redirect URIs only', async () => {
    for (const redirectUris of [['http://app.example/cb'], ['https://app.example/cb#frag'], ['not a url'], []]) {
      const res = await api.post('/v1/oauth/clients', { name: 'Bad', redirectUris }, { token: owner.token });
      assert.equal(res.status, 400, JSON.stringify(redirectUris));
    }
    assert.equal((await api.post('/v1/oauth/clients', { name: 'X', redirectUris: [REDIRECT] })).status, 401);
  });

  it('runs the happy path: login, consent, code, token exchange with PKCE, API call, refresh', async () => {
    const { verifier, challenge } = pkce();
    const first = await reader.get(authorizeUrl({ code_challenge: challenge }));
    assert.equal(first.status, 303, 'no session: to the login page');
    const login = new URL(first.headers.get('location')!, server.url);
    assert.equal(login.pathname, '/account/login');
    const next = login.searchParams.get('next')!;
    assert.ok(next.startsWith('/oauth/authorize?'));

    const loginPage = await reader.get(`${login.pathname}${login.search}`);
    const loggedIn = await reader.post('/account/login', { ...hiddenFields(loginPage.text), email: 'reader@example.org', password: 'reader password 1' });
    assert.equal(loggedIn.status, 303);
    assert.equal(loggedIn.headers.get('location'), next, 'back to the authorization request');

    const consent = await reader.get(next);
    assert.equal(consent.status, 200);
    assert.match(consent.text, /Reading App/);
    assert.match(consent.headers.get('content-security-policy')!, /form-action 'self' https:\/\/app\.example/);
    assert.equal(consent.headers.get('x-frame-options'), 'DENY');
    const res = await reader.post('/oauth/authorize', { ...hiddenFields(consent.text), decision: 'approve' });
    assert.equal(res.status, 303);
    const back = new URL(res.headers.get('location')!).searchParams;
    assert.equal(back.get('state'), 's-123');
    assert.equal(back.get('iss'), server.config.jwt.issuer);
    const code = back.get('code')!;
    assert.ok(code);

    const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    assert.equal(exchanged.status, 200, exchanged.text);
    assert.equal(exchanged.body.token_type, 'Bearer');
    assert.equal(exchanged.body.scope, 'read flattr');
    assert.equal(exchanged.body.expires_in, server.config.jwt.accessTokenTtlSeconds);
    assert.equal(exchanged.headers.get('cache-control'), 'no-store');
    const payload = JSON.parse(Buffer.from(exchanged.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(payload.client_id, clientId);
    assert.equal(payload.scope, 'read flattr');

    const me = await api.get('/v1/me', { token: exchanged.body.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, 'reader@example.org');
    // An app's token cannot mint personal access tokens or register apps.
    assert.equal((await api.post('/v1/me/tokens', { name: 'x', scopes: ['read'] }, { token: exchanged.body.access_token })).status, 403);

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token, client_id: clientId }, true);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(refreshed.body.scope, 'read flattr');
    const reused = await token({ grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token, client_id: clientId });
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, 'invalid_grant');
    // The app's refresh tokens are bound to it: the first-party refresh endpoint refuses them.
    assert.equal((await api.post('/v1/auth/refresh', { refreshToken: refreshed.body.refresh_token })).status, 401);
  });

  it('refuses a wrong code_verifier (invalid_grant) without burning the code', async () => {
    const { verifier, challenge } = pkce();
    const code = (await approve({ code_challenge: challenge })).get('code')!;
    for (const wrong of [pkce().verifier, 'short', '']) {
      const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: wrong });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
      assert.ok(res.body.error_description);
    }
    const ok = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    assert.equal(ok.status, 200);
  });

  it('refuses a reused code and revokes the tokens issued for it', async () => {
    const { verifier, challenge } = pkce();
    const code = (await approve({ code_challenge: challenge })).get('code')!;
    const body = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier };
    const first = await token(body);
    assert.equal(first.status, 200);
    const second = await token(body);
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: clientId });
    assert.equal(refresh.status, 400, 'the first exchange\'s refresh token is revoked');
  });

  it('lets exactly one of ten concurrent exchanges of one code succeed, and revokes what it issued', async () => {
    for (let round = 0; round < 3; round++) {
      const { verifier, challenge } = pkce();
      const code = (await approve({ code_challenge: challenge })).get('code')!;
      const body = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier };
      const results = await Promise.all(Array.from({ length: 10 }, () => token(body)));
      assert.deepEqual(results.map((r) => r.status).sort(), [200, ...Array(9).fill(400)], `round ${round}`);
      // A replay revokes the winner's family even when it came before the winner had created it.
      const winner = results.find((r) => r.status === 200)!;
      const refresh = await token({ grant_type: 'refresh_token', refresh_token: winner.body.refresh_token, client_id: clientId });
      assert.equal(refresh.status, 400, `round ${round}`);
    }
  });

  it('refuses a redirect_uri at the token endpoint that differs from the authorization request', async () => {
    const { verifier, challenge } = pkce();
    const code = (await approve({ code_challenge: challenge })).get('code')!;
    for (const redirect of ['http://127.0.0.1:8765/cb', `${REDIRECT}/`, '']) {
      const res = await token({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: clientId, code_verifier: verifier });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
    }
  });

  it('refuses an expired code (60 s)', async () => {
    const { verifier, challenge } = pkce();
    const code = (await approve({ code_challenge: challenge })).get('code')!;
    server.clock.advance(61_000);
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
    assert.match(res.body.error_description, /expired/);
  });

  it('refuses a code issued to another client', async () => {
    const other = await api.post('/v1/oauth/clients', { name: 'Other', redirectUris: [REDIRECT] }, { token: owner.token });
    const { verifier, challenge } = pkce();
    const code = (await approve({ code_challenge: challenge })).get('code')!;
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: other.body.clientId, code_verifier: verifier });
    assert.equal(res.body.error, 'invalid_grant');
  });

  it('sends a denial back as error=access_denied with the state', async () => {
    const back = await approve({ code_challenge: pkce().challenge }, 'deny');
    assert.equal(back.get('error'), 'access_denied');
    assert.equal(back.get('state'), 's-123');
    assert.equal(back.get('code'), null);
  });

  it('shows (never redirects) an unknown client or an unregistered redirect_uri', async () => {
    const challenge = pkce().challenge;
    const cases: Array<Record<string, string>> = [
      { client_id: 'fcli_unknown', code_challenge: challenge },
      { redirect_uri: 'https://evil.example/cb', code_challenge: challenge },
      { redirect_uri: `${REDIRECT}?extra=1`, code_challenge: challenge },
    ];
    for (const params of cases) {
      const res = await reader.get(authorizeUrl(params));
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      assert.match(res.headers.get('content-type')!, /text\/html/);
    }
  });

  it('redirects protocol errors to the app: no PKCE, plain PKCE, other response_type, admin scope', async () => {
    const challenge = pkce().challenge;
    for (const [params, error] of [
      [{ code_challenge: '' }, 'invalid_request'],
      [{ code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: challenge, response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge: challenge, scope: 'read admin' }, 'invalid_scope'],
    ] as const) {
      const res = await reader.get(authorizeUrl(params));
      assert.equal(res.status, 303);
      const back = new URL(res.headers.get('location')!);
      assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
      assert.equal(back.searchParams.get('error'), error);
      assert.equal(back.searchParams.get('state'), 's-123');
    }
  });

  it('refuses the consent POST without the CSRF token', async () => {
    const page = await reader.get(authorizeUrl({ code_challenge: pkce().challenge }));
    const { _csrf, ...fields } = hiddenFields(page.text);
    assert.ok(_csrf);
    const res = await reader.post('/oauth/authorize', { ...fields, decision: 'approve' });
    assert.equal(res.status, 403);
    assert.equal(JSON.parse(res.text).code, 'csrf_failed');
  });

  it('answers token endpoint errors per RFC 6749', async () => {
    const unknownClient = await token({ grant_type: 'authorization_code', code: 'x', client_id: 'fcli_nope' });
    assert.equal(unknownClient.status, 401);
    assert.equal(unknownClient.body.error, 'invalid_client');
    const grant = await token({ grant_type: 'password', client_id: clientId });
    assert.equal(grant.status, 400);
    assert.equal(grant.body.error, 'unsupported_grant_type');
    const missing = await token({ client_id: clientId });
    assert.equal(missing.body.error, 'invalid_request');
    const unknownCode = await token({ grant_type: 'authorization_code', code: 'nope', client_id: clientId, redirect_uri: REDIRECT, code_verifier: pkce().verifier });
    assert.equal(unknownCode.body.error, 'invalid_grant');
    // A first-party refresh token is not this client's.
    const login = await api.post('/v1/auth/login', { email: 'reader@example.org', password: 'reader password 1' });
    const foreign = await token({ grant_type: 'refresh_token', refresh_token: login.body.refreshToken, client_id: clientId });
    assert.equal(foreign.body.error, 'invalid_grant');
    assert.equal((await api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status, 200, 'and it was not spent');
  });
});
