import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import { issueSiteToken, rotateSigningKey, SIGNING_KEYS, type SigningKeyDoc } from '../src/auth/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('auth: access tokens, personal access tokens and site tokens', () => {
  let server: TestServer;
  let api: TestClient;
  let user: { id: string; token: string };
  let signingKey: SigningKeyDoc;

  /** A token signed with the server's real current key, with claims a test chooses. */
  async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    const key = await importJWK(signingKey.privateJwk, signingKey.alg);
    const now = Math.floor(server.clock.now().getTime() / 1000);
    return new SignJWT({
      scope: 'read flattr things', iss: server.config.jwt.issuer, aud: server.config.jwt.audience, sub: user.id,
      iat: now, exp: now + 600, ...claims,
    }).setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'at+jwt', ...header }).sign(key);
  }

  async function expectInvalid(token: string, detail: RegExp, headers: Record<string, string> = {}) {
    const res = await api.get('/v1/me', { token, headers });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.code, 'invalid_token');
    assert.match(res.body.detail, detail);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  }

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    const res = await api.post('/v1/auth/signup', { email: 'tok@example.org', password: 'token tester password' });
    user = { id: res.body.user.id, token: res.body.accessToken };
    const header = JSON.parse(Buffer.from(user.token.split('.')[0]!, 'base64url').toString());
    signingKey = (await server.db.collection<SigningKeyDoc>(SIGNING_KEYS).findOne({ kid: header.kid }))!;
  });
  after(async () => { await server.close(); });

  describe('JWT access tokens', () => {
    it('carries kid, EdDSA, iss, aud, sub, scope, iat and exp of the configured lifetime', async () => {
      const [h, p] = user.token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      assert.equal(h.alg, 'EdDSA');
      assert.equal(h.kid, signingKey.kid);
      assert.equal(p.iss, server.config.jwt.issuer);
      assert.equal(p.aud, 'flattr-api');
      assert.equal(p.sub, user.id);
      assert.equal(p.scope, 'read flattr things');
      assert.equal(p.exp - p.iat, server.config.jwt.accessTokenTtlSeconds);
    });

    it('accepts a token forged with the real key and valid claims (the attacks below differ in one thing each)', async () => {
      const res = await api.get('/v1/me', { token: await forge({}) });
      assert.equal(res.status, 200);
    });

    it('refuses alg "none"', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = `${b64({ alg: 'none', kid: signingKey.kid, typ: 'at+jwt' })}.${b64({
        sub: user.id, iss: server.config.jwt.issuer, aud: 'flattr-api', iat: now, exp: now + 600, scope: 'read' })}.`;
      await expectInvalid(token, /algorithm|malformed/);
    });

    it('refuses HS256 signed with the public key as the HMAC secret', async () => {
      for (const secret of [
        new TextEncoder().encode(JSON.stringify(signingKey.publicJwk)),
        Buffer.from(signingKey.publicJwk.x!, 'base64url'),
      ]) {
        const now = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ scope: 'read' }).setProtectedHeader({ alg: 'HS256', kid: signingKey.kid, typ: 'at+jwt' })
          .setIssuer(server.config.jwt.issuer).setAudience('flattr-api').setSubject(user.id).setIssuedAt(now).setExpirationTime(now + 600)
          .sign(secret);
        await expectInvalid(token, /algorithm is not allowed/);
      }
    });

    it('refuses an expired token', async () => {
      const now = Math.floor(server.clock.now().getTime() / 1000);
      await expectInvalid(await forge({ iat: now - 4000, exp: now - 3000 }), /expired/);
    });

    it('refuses a token whose nbf is in the future', async () => {
      const now = Math.floor(server.clock.now().getTime() / 1000);
      await expectInvalid(await forge({ nbf: now + 300 }), /nbf/);
    });

    it('refuses a wrong issuer and a wrong audience', async () => {
      await expectInvalid(await forge({ iss: 'https://evil.example' }), /iss/);
      await expectInvalid(await forge({ aud: 'another-api' }), /aud/);
    });

    it('reads the issuer at request time: tokens stop verifying when JWT_ISSUER changes', async () => {
      const token = await forge({});
      const original = server.config.jwt.issuer;
      server.config.jwt.issuer = 'https://flattr.example';
      try {
        await expectInvalid(token, /iss/);
      } finally {
        server.config.jwt.issuer = original;
      }
      assert.equal((await api.get('/v1/me', { token })).status, 200);
    });

    it('refuses a tampered payload with the original signature', async () => {
      const [h, p, s] = user.token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      for (const change of [{ scope: 'read flattr things admin' }, { sub: '0123456789abcdef01234567' }, { exp: payload.exp + 86_400 }]) {
        await expectInvalid(`${h}.${b64({ ...payload, ...change })}.${s}`, /signature/);
      }
    });

    it('refuses an unknown kid, and a token signed by a key that is not ours under our kid', async () => {
      const { privateKey } = await generateKeyPair('EdDSA');
      const now = Math.floor(Date.now() / 1000);
      const build = (kid: string) => new SignJWT({ scope: 'read' }).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .setIssuer(server.config.jwt.issuer).setAudience('flattr-api').setSubject(user.id).setIssuedAt(now).setExpirationTime(now + 600)
        .sign(privateKey);
      await expectInvalid(await build('no-such-key'), /unknown or retired key/);
      await expectInvalid(await build(signingKey.kid), /signature/);
    });

    it('refuses a token without kid, without exp, or of another type', async () => {
      const key = await importJWK(signingKey.privateJwk, signingKey.alg);
      const now = Math.floor(Date.now() / 1000);
      const noKid = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' }).setIssuer(server.config.jwt.issuer)
        .setAudience('flattr-api').setSubject(user.id).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
      await expectInvalid(noKid, /kid/);
      const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: signingKey.kid, typ: 'at+jwt' }).setIssuer(server.config.jwt.issuer)
        .setAudience('flattr-api').setSubject(user.id).setIssuedAt(now).sign(key);
      await expectInvalid(noExp, /exp/);
      await expectInvalid(await forge({}, { typ: 'JWT' }), /typ/);
    });

    it('refuses garbage and a malformed Authorization header', async () => {
      await expectInvalid('not.a.jwt', /malformed|cannot/);
      const res = await api.get('/v1/me', { headers: { authorization: 'Basic abc' } });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'invalid_token');
      const none = await api.get('/v1/me');
      assert.equal(none.status, 401);
      assert.equal(none.body.code, 'unauthorized');
    });

    it('grants only the scopes in the token (a read-only token cannot change the budget)', async () => {
      const readOnly = await forge({ scope: 'read' });
      assert.equal((await api.get('/v1/me', { token: readOnly })).status, 200);
      const res = await api.patch('/v1/me', { budget: 500 }, { token: readOnly });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'insufficient_scope');
    });

    it('does not grant admin to a non-admin whose token claims it', async () => {
      const res = await api.post(`/v1/admin/users/${user.id}/roles`, { roles: ['admin'] }, { token: await forge({ scope: 'read admin' }) });
      assert.equal(res.status, 403);
    });
  });

  describe('key rotation', () => {
    it('keeps verifying old tokens after a rotation and lists both keys until the old tokens expire', async () => {
      const oldToken = user.token;
      const oldKid = signingKey.kid;
      const newKid = await rotateSigningKey(server.ctx);
      assert.notEqual(newKid, oldKid);

      const login = await api.post('/v1/auth/login', { email: 'tok@example.org', password: 'token tester password' });
      const header = JSON.parse(Buffer.from(login.body.accessToken.split('.')[0], 'base64url').toString());
      assert.equal(header.kid, newKid, 'new tokens are signed with the new key');
      assert.equal((await api.get('/v1/me', { token: oldToken })).status, 200, 'old token still verifies');
      assert.equal((await api.get('/v1/me', { token: login.body.accessToken })).status, 200);

      const jwks = await api.get('/.well-known/jwks.json');
      assert.equal(jwks.status, 200);
      assert.deepEqual(jwks.body.keys.map((k: JWK) => k.kid).sort(), [oldKid, newKid].sort());
      for (const key of jwks.body.keys) {
        assert.equal(key.d, undefined, 'no private key material');
        assert.equal(key.alg, 'EdDSA');
        assert.equal(key.use, 'sig');
      }

      // After one token lifetime the old key can only have signed expired tokens: it leaves the JWKS.
      server.clock.advance((server.config.jwt.accessTokenTtlSeconds + 1) * 1000);
      const later = await api.get('/.well-known/jwks.json');
      assert.deepEqual(later.body.keys.map((k: JWK) => k.kid), [newKid]);
      await expectInvalid(oldToken, /expired|unknown or retired/);
      const fresh = await api.post('/v1/auth/login', { email: 'tok@example.org', password: 'token tester password' });
      assert.equal((await api.get('/v1/me', { token: fresh.body.accessToken })).status, 200);
      user.token = fresh.body.accessToken;
      signingKey = (await server.db.collection<SigningKeyDoc>(SIGNING_KEYS).findOne({ kid: newKid }))!;
    });

    it('rotates by schedule: after KEY_ROTATION_DAYS a new slot key signs, and the previous key still verifies', async () => {
      // A token minted a minute before the slot changes, checked a minute after it.
      const slotMs = server.config.jwt.keyRotationDays * 86_400_000;
      const nextSlotStart = (Math.floor(server.clock.now().getTime() / slotMs) + 1) * slotMs;
      server.clock.set(new Date(nextSlotStart - 60_000));
      const login = await api.post('/v1/auth/login', { email: 'tok@example.org', password: 'token tester password' });
      const kidBefore = JSON.parse(Buffer.from(login.body.accessToken.split('.')[0], 'base64url').toString()).kid;
      server.clock.set(new Date(nextSlotStart + 60_000));
      const after = await api.post('/v1/auth/login', { email: 'tok@example.org', password: 'token tester password' });
      const kidAfter = JSON.parse(Buffer.from(after.body.accessToken.split('.')[0], 'base64url').toString()).kid;
      assert.notEqual(kidAfter, kidBefore);
      assert.equal((await api.get('/v1/me', { token: login.body.accessToken })).status, 200);
      const keys = await server.db.collection<SigningKeyDoc>(SIGNING_KEYS).find({ _id: { $regex: '^slot:' } }).toArray();
      assert.ok(keys.some((k) => k._id === `slot:EdDSA:${nextSlotStart / slotMs}`));
      user.token = after.body.accessToken;
    });

    it('converges on one key per slot when instances race to create it', async () => {
      const { SigningKeys } = await import('../src/auth/signing-keys.js');
      const slotMs = server.config.jwt.keyRotationDays * 86_400_000;
      server.clock.set(new Date((Math.floor(server.clock.now().getTime() / slotMs) + 5) * slotMs + 1000));
      // Eight "instances" (separate caches) asking for the current key at the same moment.
      const kids = await Promise.all(Array.from({ length: 8 }, () => new SigningKeys(server.ctx).current().then((k) => k.kid)));
      assert.equal(new Set(kids).size, 1);
    });
  });

  describe('personal access tokens', () => {
    let login: string;
    before(async () => {
      login = (await api.post('/v1/auth/login', { email: 'tok@example.org', password: 'token tester password' })).body.accessToken;
    });

    it('creates a token shown once, lists it without the secret, tracks lastUsedAt, and 401s once revoked', async () => {
      const created = await api.post('/v1/me/tokens', { name: 'my script', scopes: ['read', 'flattr'] }, { token: login });
      assert.equal(created.status, 201);
      assert.match(created.body.token, /^fpat_[\w-]{40,}$/);
      assert.deepEqual(created.body.scopes, ['read', 'flattr']);
      assert.equal(created.body.lastUsedAt, null);
      const stored = await server.db.collection('personal_tokens').findOne({});
      assert.notEqual(stored!.hash, created.body.token, 'stored hashed');
      assert.ok(!JSON.stringify(stored).includes(created.body.token));

      const me = await api.get('/v1/me', { token: created.body.token });
      assert.equal(me.status, 200);
      assert.equal(me.body.id, user.id);

      const list = await api.get('/v1/me/tokens', { token: login });
      assert.equal(list.status, 200);
      assert.equal(list.body.items.length, 1);
      assert.equal(list.body.items[0].token, undefined);
      assert.ok(list.body.items[0].lastUsedAt, 'lastUsedAt set after use');

      const del = await api.delete(`/v1/me/tokens/${created.body.id}`, { token: login });
      assert.equal(del.status, 204);
      const revoked = await api.get('/v1/me', { token: created.body.token });
      assert.equal(revoked.status, 401);
      assert.equal(revoked.body.code, 'invalid_token');
      assert.equal((await api.get('/v1/me/tokens', { token: login })).body.items.length, 0);
      assert.equal((await api.delete(`/v1/me/tokens/${created.body.id}`, { token: login })).status, 404);
    });

    it('enforces the token\'s scopes', async () => {
      const created = await api.post('/v1/me/tokens', { name: 'reader', scopes: ['read'] }, { token: login });
      const res = await api.patch('/v1/me', { budget: 100 }, { token: created.body.token });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'insufficient_scope');
    });

    it('refuses the admin scope to non-admins, unknown scopes, and PAT creation with a PAT', async () => {
      const admin = await api.post('/v1/me/tokens', { name: 'x', scopes: ['admin'] }, { token: login });
      assert.equal(admin.status, 403);
      assert.equal(admin.body.code, 'insufficient_role');
      const unknown = await api.post('/v1/me/tokens', { name: 'x', scopes: ['root'] }, { token: login });
      assert.equal(unknown.status, 400);
      const pat = (await api.post('/v1/me/tokens', { name: 'p', scopes: ['read'] }, { token: login })).body.token;
      const viaPat = await api.post('/v1/me/tokens', { name: 'x', scopes: ['read'] }, { token: pat });
      assert.equal(viaPat.status, 403);
      assert.equal(viaPat.body.code, 'credential_not_allowed');
    });

    it('cannot revoke another user\'s token', async () => {
      const mine = await api.post('/v1/me/tokens', { name: 'mine', scopes: ['read'] }, { token: login });
      const other = await api.post('/v1/auth/signup', { email: 'other-tok@example.org', password: 'other password 123' });
      const res = await api.delete(`/v1/me/tokens/${mine.body.id}`, { token: other.body.accessToken });
      assert.equal(res.status, 404);
      assert.equal((await api.get('/v1/me', { token: mine.body.token })).status, 200);
    });

    it('rejects an unknown fpat_ token with 401 invalid_token', async () => {
      await expectInvalid('fpat_doesnotexist', /personal access token/);
    });
  });

  describe('site tokens', () => {
    before(async () => {
      user.token = (await api.post('/v1/auth/login', { email: 'tok@example.org', password: 'token tester password' })).body.accessToken;
    });

    it('works only from its origin: other or missing Origin is 403 origin_mismatch', async () => {
      const { token, siteToken } = await issueSiteToken(server.ctx, user.id, 'https://Blog.Example:443/some/page');
      assert.match(token, /^fsite_/);
      assert.equal(siteToken.origin, 'https://blog.example');
      const click = (headers: Record<string, string>) => api.post('/v1/flattrs', { url: 'https://blog.example/origin-check' }, { token, headers });
      assert.equal((await click({ origin: 'https://blog.example' })).status, 201);
      const wrong = await click({ origin: 'https://evil.example' });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.code, 'origin_mismatch');
      const missing = await click({});
      assert.equal(missing.status, 403);
      assert.equal(missing.body.code, 'origin_mismatch');
      // Any other route refuses it outright, from its own origin too (test/site-token-scope.test.ts tries them all).
      const me = await api.get('/v1/me', { token, headers: { origin: 'https://blog.example' } });
      assert.equal(me.status, 403);
      assert.equal(me.body.code, 'site_token_not_allowed');
    });

    it('authenticates a flattr-scoped request from its origin', async () => {
      const { token } = await issueSiteToken(server.ctx, user.id, 'https://shop.example');
      const { createAuthenticator } = await import('../src/auth/authenticate.js');
      const authenticate = createAuthenticator(server.ctx);
      const req = { get: (name: string) => ({ authorization: `Bearer ${token}`, origin: 'https://shop.example' })[name.toLowerCase()] } as never;
      const auth = await authenticate(req, { scope: 'flattr', siteTokens: true });
      assert.deepEqual({ ...auth, credentialId: undefined }, {
        userId: user.id, roles: ['reader'], scopes: ['flattr'], via: 'site', site: { origin: 'https://shop.example', monthlyCap: 10 }, credentialId: undefined,
      });
      // A requirement that does not declare site tokens refuses one, also a public route's (none).
      for (const requirement of [{ scope: 'flattr' as const }, undefined]) {
        await assert.rejects(authenticate(req, requirement), (error: { code?: string }) => error.code === 'site_token_not_allowed');
      }
    });

    it('lists and revokes site tokens; a revoked one is 401', async () => {
      const { token, siteToken } = await issueSiteToken(server.ctx, user.id, 'https://news.example');
      const list = await api.get('/v1/me/site-tokens', { token: user.token });
      assert.equal(list.status, 200);
      const listed = list.body.items.find((t: { id: string }) => t.id === siteToken.id);
      assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'id', 'lastUsedAt', 'monthlyCap', 'origin', 'period', 'usedThisMonth']);
      assert.equal((await api.delete(`/v1/me/site-tokens/${siteToken.id}`, { token: user.token })).status, 204);
      const res = await api.post('/v1/flattrs', { url: 'https://news.example/a' }, { token, headers: { origin: 'https://news.example' } });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'invalid_token');
      assert.equal((await api.delete(`/v1/me/site-tokens/${siteToken.id}`, { token: user.token })).status, 404);
    });

    it('keeps one live token per reader and origin', async () => {
      const first = await issueSiteToken(server.ctx, user.id, 'https://twice.example');
      const second = await issueSiteToken(server.ctx, user.id, 'https://twice.example');
      const items = (await api.get('/v1/me/site-tokens', { token: user.token })).body.items.filter((t: { origin: string }) => t.origin === 'https://twice.example');
      assert.deepEqual(items.map((t: { id: string }) => t.id), [second.siteToken.id]);
      assert.equal((await api.post('/v1/flattrs', { url: 'https://twice.example/a' }, { token: first.token, headers: { origin: 'https://twice.example' } })).status, 401);
    });

    it('refuses to bind to something that is not an http(s) origin', async () => {
      await assert.rejects(issueSiteToken(server.ctx, user.id, 'javascript:alert(1)'), /http or https/);
      await assert.rejects(issueSiteToken(server.ctx, user.id, 'not a url'), /not an origin/);
    });
  });

  describe('ES256', () => {
    it('signs with ES256 when JWT_ALG=ES256 and publishes an EC key', async () => {
      const es = await startTestServer({ env: { JWT_ALG: 'ES256' } });
      try {
        const esApi = testClient(es.url);
        const res = await esApi.post('/v1/auth/signup', { email: 'es@example.org', password: 'elliptic curves!' });
        const header = JSON.parse(Buffer.from(res.body.accessToken.split('.')[0], 'base64url').toString());
        assert.equal(header.alg, 'ES256');
        assert.equal((await esApi.get('/v1/me', { token: res.body.accessToken })).status, 200);
        const jwks = await esApi.get('/.well-known/jwks.json');
        assert.equal(jwks.body.keys[0].kty, 'EC');
        assert.equal(jwks.body.keys[0].crv, 'P-256');
        assert.equal(jwks.body.keys[0].d, undefined);
      } finally {
        await es.close();
      }
    });
  });
});
