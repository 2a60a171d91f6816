import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoServerError } from 'mongodb';
import { hashSecret, purgeExpiredCredentials, refreshTokens } from '../src/auth/index.js';
import { startPurging, stopPurging } from '../src/auth/purge.js';
import { ensureTtlIndex } from '../src/auth/ttl-index.js';
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
    for (let round = 0; round < 10; round++) {
      const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
      const results = await Promise.all([1, 2].map(() => api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken })));
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 401], `round ${round}`);
      // The loser presented a spent token: that is reuse, and it revokes the family (the documented rule).
      assert.equal(results.find((r) => r.status === 401)!.body.code, 'refresh_token_reused');
    }
  });

  it('lets exactly one of 25 parallel refreshes with the same token win; the rest get 401 and the family is revoked', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const results = await Promise.all(Array.from({ length: 25 }, () => api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken })));
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    assert.deepEqual([...new Set(results.filter((r) => r.status !== 200).map((r) => r.status))], [401]);
    // Every loser saw either the spent token (reuse) or the family its reuse had revoked.
    for (const loser of results.filter((r) => r.status === 401)) {
      assert.ok(['refresh_token_reused', 'invalid_refresh_token'].includes(loser.body.code), loser.body.code);
    }
    assert.ok(results.some((r) => r.body.code === 'refresh_token_reused'));
    const next = await api.post('/v1/auth/refresh', { refreshToken: winners[0]!.body.refreshToken });
    assert.equal(next.status, 401);
    assert.equal(next.body.code, 'invalid_refresh_token');
  });

  it('spends a token once under 100 parallel rotations in one process', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => refreshTokens(server.ctx, login.body.refreshToken)));
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const token = await server.db.collection('refresh_tokens').findOne({ hash: hashSecret(login.body.refreshToken) });
    assert.ok(token?.usedAt instanceof Date);
    const family = await server.db.collection('refresh_families').findOne({ _id: token.familyId });
    assert.equal(family?.revokedReason, 'reuse');
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

  it('purges expired refresh tokens, keeping live ones', async () => {
    const login = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    const rotated = await api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    const ttlMs = (server.config.jwt.refreshTokenTtlDays * 86_400 + 1) * 1000;
    server.clock.advance(ttlMs);
    try {
      const purged = await purgeExpiredCredentials(server.ctx);
      assert.ok(purged.refreshTokens >= 2);
      assert.equal(await server.db.collection('refresh_tokens').countDocuments({ expiresAt: { $lt: server.clock.now() } }), 0);
    } finally {
      server.clock.advance(-ttlMs);
    }
    const fresh = await api.post('/v1/auth/login', { email: 'ada@example.org', password: 'correct horse battery' });
    assert.equal((await api.post('/v1/auth/refresh', { refreshToken: fresh.body.refreshToken })).status, 200);
    // The purged token is gone (it had expired at the time of the purge).
    assert.equal((await api.post('/v1/auth/refresh', { refreshToken: rotated.body.refreshToken })).body.code, 'invalid_refresh_token');
  });

  it('creates TTL indexes for sessions, refresh tokens and codes (MongoDB deletes them; the stand-in needs the purge)', async () => {
    for (const [name, seconds] of [['sessions', 0], ['refresh_tokens', 0], ['oauth_codes', 86_400]] as const) {
      const indexes = await server.db.collection(name).indexes();
      assert.ok(indexes.some((i) => i.key.expiresAt === 1 && i.expireAfterSeconds === seconds), `${name}: ${JSON.stringify(indexes)}`);
    }
  });

  it('purges on a schedule while the server runs, not only at start', async () => {
    const sessions = server.db.collection('sessions');
    const { insertedId } = await sessions.insertOne({ hash: `expired-${Date.now()}`, expiresAt: new Date(server.clock.now().getTime() - 1000) });
    const live = await sessions.insertOne({ hash: `live-${Date.now()}`, expiresAt: new Date(server.clock.now().getTime() + 86_400_000) });
    // A context of its own, so the schedule is independent of the server's hourly one.
    const ctx = { ...server.ctx };
    startPurging(ctx, 20);
    try {
      for (let i = 0; i < 250 && await sessions.findOne({ _id: insertedId }); i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await stopPurging(ctx);
    }
    assert.equal(await sessions.findOne({ _id: insertedId }), null);
    assert.ok(await sessions.findOne({ _id: live.insertedId }));
    await sessions.deleteOne({ _id: live.insertedId });
  });

  it('turns a plain expiresAt index of an older version into a TTL index', async () => {
    const calls: string[] = [];
    let first = true;
    const fake = {
      createIndex: async (spec: object, options: object) => {
        calls.push(`create ${JSON.stringify(spec)} ${JSON.stringify(options)}`);
        if (first) {
          first = false;
          throw new MongoServerError({ message: 'Index with name: expiresAt_1 already exists with different options', code: 85 });
        }
        return 'expiresAt_1';
      },
      dropIndex: async (name: string) => { calls.push(`drop ${name}`); },
    };
    await ensureTtlIndex(fake as never, 'expiresAt', 0);
    assert.deepEqual(calls, [
      'create {"expiresAt":1} {"expireAfterSeconds":0}',
      'drop expiresAt_1',
      'create {"expiresAt":1} {"expireAfterSeconds":0}',
    ]);
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
