import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompactSign, importJWK } from 'jose';
import { SIGNING_KEYS, type SigningKeyDoc } from '../src/auth/index.js';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

/**
 * Finding 4 of the outside review: tokens signed with the server's real key
 * but with claims the server never issues (`iat` in the future, `exp: 1e308`)
 * were accepted. A token's `iat` may be at most a small clock skew ahead of
 * the server, and its lifetime `exp - iat` at most the configured
 * ACCESS_TOKEN_TTL_SECONDS (plus that skew).
 */
describe('access tokens: claim bounds (iat, lifetime)', () => {
  let server: TestServer;
  let api: TestClient;
  let user: TestUser;
  let signingKey: SigningKeyDoc;
  let ttl: number;

  /** Signed with the server's real current key: only the claims differ from what the server issues. */
  async function sign(claims: { iat: unknown; exp: unknown }): Promise<string> {
    const key = await importJWK(signingKey.privateJwk, signingKey.alg);
    // CompactSign, not SignJWT: it signs any payload, including claims jose would not produce.
    const payload = { scope: 'read flattr things', iss: server.config.jwt.issuer, aud: server.config.jwt.audience, sub: user.id, ...claims };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'at+jwt' }).sign(key);
  }

  const now = () => Math.floor(server.clock.now().getTime() / 1000);

  async function status(token: string): Promise<{ status: number; code?: string; detail?: string }> {
    const res = await api.get('/v1/me', { token });
    return { status: res.status, code: res.body?.code, detail: res.body?.detail };
  }

  before(async () => {
    server = await startTestServer({ env: { ACCESS_TOKEN_TTL_SECONDS: '900' } });
    api = testClient(server.url);
    user = await signup(api);
    const header = JSON.parse(Buffer.from(user.token.split('.')[0]!, 'base64url').toString());
    signingKey = (await server.db.collection<SigningKeyDoc>(SIGNING_KEYS).findOne({ kid: header.kid }))!;
    ttl = server.config.jwt.accessTokenTtlSeconds;
  });
  after(async () => { await server.close(); });

  it('accepts what the server issues: iat now, lifetime exactly the TTL, and iat a few seconds ahead (clock skew)', async () => {
    assert.equal((await status(await sign({ iat: now(), exp: now() + ttl }))).status, 200);
    assert.equal((await status(await sign({ iat: now() + 3, exp: now() + 3 + ttl }))).status, 200);
    assert.equal((await status(user.token)).status, 200);
  });

  it('refuses iat in the future beyond the clock skew', async () => {
    for (const ahead of [60, 3600, 86_400 * 365]) {
      const res = await status(await sign({ iat: now() + ahead, exp: now() + ahead + 60 }));
      assert.equal(res.status, 401, `iat ${ahead} s ahead`);
      assert.equal(res.code, 'invalid_token');
      assert.match(res.detail!, /iat/);
    }
  });

  it('refuses exp: 1e308 and every lifetime longer than the configured TTL', async () => {
    for (const exp of [1e308, Number.MAX_SAFE_INTEGER, now() + ttl + 60, now() + 10 * ttl]) {
      const res = await status(await sign({ iat: now(), exp }));
      assert.equal(res.status, 401, `exp ${exp}`);
      assert.equal(res.code, 'invalid_token');
      assert.match(res.detail!, /lifetime|exp/);
    }
  });

  it('refuses a long-lived token even when it is presented late (iat far back, exp still ahead)', async () => {
    const res = await status(await sign({ iat: now() - 2 * ttl, exp: now() + 60 }));
    assert.equal(res.status, 401);
    assert.equal(res.code, 'invalid_token');
  });

  it('refuses non-numeric iat or exp', async () => {
    for (const claims of [{ iat: 'now', exp: now() + 60 }, { iat: now(), exp: '1e308' }, { iat: null, exp: now() + 60 }]) {
      assert.equal((await status(await sign(claims))).status, 401, JSON.stringify(claims));
    }
  });
});
