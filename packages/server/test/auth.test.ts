import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { purgeExpiredCredentials } from '../src/auth/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

describe('auth: signup, login, refresh, logout', () => {
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    server = await startTestServer({ env: { ADMIN_EMAILS: 'boss@example.org' } });
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  it('signs up with 201 Tokens and a reader with budget 0', async () => {
    const res = await api.post('/v1/auth/signup', { email: 'Ada@Example.org', password: 'correct horse battery', name: 'Ada' });
    assert.equal(res.status, 201);
    assert.equal(res.body.tokenType, 'Bearer');
    assert.equal(res.body.expiresIn, server.config.jwt.accessTokenTtlSeconds);
    assert.match(res.body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(res.body.refreshToken);
    assert.equal(res.body.user.email, 'ada@example.org');
    assert.deepEqual(res.body.user.roles, ['reader']);
    assert.equal(res.body.user.budget, 0);
    assert.equal(res.body.user.currency, 'EUR');
    const me = await api.get('/v1/me', { token: res.body.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, res.body.user.id);
  });

  it('refuses a second account for the same email in any letter case with 409 email_taken', async () => {
    const res = await api.post('/v1/auth/signup', { email: 'ADA@example.ORG', password: 'another password' });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'email_taken');
  });

  it('refuses a short password and a malformed email with 400', async () => {
    const short = await api.post('/v1/auth/signup', { email: 'b@example.org', password: 'short' });
    assert.equal(short.status, 400);
    assert.equal(short.body.code, 'validation_failed');
    const bad = await api.post('/v1/auth/signup', { email: 'not-an-email', password: 'long enough password' });
    assert.equal(bad.status, 400);
  });

  it('logs in with 200 Tokens; unknown email and wrong password get the same 401 invalid_credentials', async () => {
    const ok = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.email, 'ada@example.org');
    const wrong = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'wrong password!' });
    const unknown = await api.post('/v1/auth/login', { email: 'nobody@example.org', password: 'wrong password!' });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'invalid_credentials');
    }
    assert.equal(wrong.body.detail, unknown.body.detail);
  });

  it('makes ADMIN_EMAILS admins at signup, with the admin scope', async () => {
    const res = await api.post('/v1/auth/signup', { email: 'boss@example.org', password: 'the boss password' });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.user.roles, ['reader', 'admin']);
    const payload = JSON.parse(Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString());
    assert.deepEqual(payload.scope.split(' ').sort(), ['admin', 'flattr', 'read', 'things']);
  });

  it('rotates refresh tokens; a reused one is 401 refresh_token_reused and revokes its family', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const first = login.body.refreshToken;
    const second = await api.post('/v1/auth/refresh', { refreshToken: first });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refreshToken, first);
    assert.ok(second.body.accessToken);
    const reused = await api.post('/v1/auth/refresh', { refreshToken: first });
    assert.equal(reused.status, 401);
    assert.equal(reused.body.code, 'refresh_token_reused');
    const familyCurrent = await api.post('/v1/auth/refresh', { refreshToken: second.body.refreshToken });
    assert.equal(familyCurrent.status, 401);
    assert.equal(familyCurrent.body.code, 'invalid_refresh_token');
  });

  it('answers an unknown refresh token with 401 invalid_refresh_token', async () => {
    const res = await api.post('/v1/auth/refresh', { refreshToken: 'frt_nope' });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'invalid_refresh_token');
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const results = await Promise.all([1, 2].map(() => api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });

  it('expires refresh tokens after REFRESH_TOKEN_TTL_DAYS', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    server.clock.advance((server.config.jwt.refreshTokenTtlDays * 86_400 + 1) * 1000);
    try {
      const res = await api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'invalid_refresh_token');
    } finally {
      server.clock.advance(-(server.config.jwt.refreshTokenTtlDays * 86_400 + 1) * 1000);
    }
  });

  it('purges expired refresh tokens and their spent markers, keeping live ones', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const rotated = await api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    const ttlMs = (server.config.jwt.refreshTokenTtlDays * 86_400 + 1) * 1000;
    server.clock.advance(ttlMs);
    try {
      const purged = await purgeExpiredCredentials(server.ctx);
      assert.ok(purged.refreshTokens >= 2);
      assert.equal(await server.db.collection('refresh_tokens').countDocuments({ expiresAt: { $lt: server.clock.now() } }), 0);
      assert.equal(await server.db.collection('spent_secrets').countDocuments({}), 0);
    } finally {
      server.clock.advance(-ttlMs);
    }
    const fresh = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    assert.equal((await api.post('/v1/auth/refresh', { refreshToken: fresh.body.refreshToken })).status, 200);
    // The purged token is gone (it had expired at the time of the purge).
    assert.equal((await api.post('/v1/auth/refresh', { refreshToken: rotated.body.refreshToken })).body.code, 'invalid_refresh_token');
  });

  it('logs out with 204 and revokes the family', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const out = await api.post('/v1/auth/logout', { refreshToken: login.body.refreshToken });
    assert.equal(out.status, 204);
    const res = await api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    assert.equal(res.status, 401);
  });

  it('creates exactly one account from 200 parallel signups with the same email', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      api.post('/v1/auth/signup', { email: i % 2 ? 'race@example.org' : 'RACE@example.org', password: `password number ${i}` })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1);
    assert.equal(statuses.filter((s) => s === 409).length, 199);
    assert.equal(await server.db.collection('users').countDocuments({ email: 'race@example.org' }), 1);
  });
});
