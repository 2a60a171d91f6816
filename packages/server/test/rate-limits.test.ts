import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { loginDelaySeconds } from '../src/rate-limits/index.js';
import { createLimiter } from '../src/rate-limits/limiter.js';
import { clientAddress } from '../src/rate-limits/client-address.js';
import { signup, startTestServer, testClient, type TestClient, type TestResponse, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

/** The test client runs on loopback, which TRUST_PROXY (default `loopback`) trusts: X-Forwarded-For names the client. */
const from = (ip: string) => ({ 'x-forwarded-for': ip });
let ipSerial = 0;
/** A fresh client address per use, so tests do not share per-IP counters. */
const freshIp = () => `198.51.100.${(ipSerial += 1) % 250 + 1}`;
const freshNet = () => `203.0.${Math.floor(Math.random() * 250)}.${(ipSerial += 1) % 250 + 1}`;

/** A RateLimit or RateLimit-Policy field parsed into `{name: {param: value}}` (draft-ietf-httpapi-ratelimit-headers structured-field lists). */
function parseField(value: string | null): Record<string, Record<string, number>> {
  assert.ok(value, 'the field is present');
  const items: Record<string, Record<string, number>> = {};
  for (const member of value.split(',')) {
    const [name, ...params] = member.trim().split(';');
    assert.match(name!, /^"[a-z-]+"$/, `a String item: ${member}`);
    items[JSON.parse(name!)] = Object.fromEntries(params.map((p) => {
      const [k, v] = p.split('=');
      assert.match(v!, /^\d+$/, `an Integer parameter: ${p}`);
      return [k!, Number(v)];
    }));
  }
  return items;
}

function assertRateLimited(res: TestResponse, policy: string, what: string): number {
  assert.equal(res.status, 429, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
  assert.equal(res.body.code, 'rate_limited', what);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `${what}: Retry-After ${res.headers.get('retry-after')}`);
  const limit = parseField(res.headers.get('ratelimit'))[policy];
  assert.ok(limit, `${what}: RateLimit names "${policy}": ${res.headers.get('ratelimit')}`);
  assert.equal(limit.r, 0, what);
  assert.ok(limit.t! <= retryAfter, `${what}: Retry-After is not earlier than the reset`);
  assert.ok(parseField(res.headers.get('ratelimit-policy'))[policy], `${what}: RateLimit-Policy names "${policy}"`);
  return retryAfter;
}

describe('rate limits (docs/security.md, "Rate limits")', () => {
  describe('per IP, per account and per token, with RateLimit headers', () => {
    let server: TestServer;
    let api: TestClient;
    before(async () => {
      server = await startTestServer({ env: { RATE_LIMIT_IP: '8', RATE_LIMIT_ACCOUNT: '8', RATE_LIMIT_TOKEN: '3', RATE_LIMIT_WINDOW_SECONDS: '120' } });
      api = testClient(server.url);
    });
    after(async () => { await server.close(); });

    it('sends RateLimit-Policy and RateLimit on normal answers, API and pages alike, and lets browsers read them (CORS)', async () => {
      const ip = freshIp();
      const res = await api.get('/v1/things?url=https://example.org/x', { headers: { ...from(ip), origin: 'https://blog.example' } });
      assert.equal(res.status, 404);
      assert.deepEqual(parseField(res.headers.get('ratelimit-policy')), { ip: { q: 8, w: 120 } });
      const limit = parseField(res.headers.get('ratelimit')).ip!;
      assert.equal(limit.r, 7);
      assert.ok(limit.t! >= 1 && limit.t! <= 120);
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /RateLimit-Policy/);
      const page = await api.get('/account/login', { headers: from(ip) });
      assert.equal(page.status, 200);
      assert.equal(parseField(page.headers.get('ratelimit')).ip!.r, 6);
      assert.equal((await api.get('/healthz', { headers: from(ip) })).headers.get('ratelimit'), null, 'health checks are not counted');
    });

    it('answers the request after the IP quota with 429 rate_limited, Retry-After and the headers; another IP is not affected', async () => {
      const ip = freshIp();
      for (let i = 0; i < 8; i += 1) assert.equal((await api.get('/widget/flattr.js', { headers: from(ip) })).status, 200);
      const retryAfter = assertRateLimited(await api.get('/widget/flattr.js', { headers: from(ip) }), 'ip', '9th request');
      assert.ok(retryAfter <= 120);
      assertRateLimited(await api.get('/v1/things/0123456789abcdef01234567', { headers: from(ip) }), 'ip', 'an API request from it');
      assert.equal((await api.get('/widget/flattr.js', { headers: from(freshIp()) })).status, 200);
    });

    it('counts IPv6 clients by their /64', () => {
      assert.equal(clientAddress('2001:db8:1:2:aaaa::1'), clientAddress('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
      assert.notEqual(clientAddress('2001:db8:1:2::1'), clientAddress('2001:db8:1:3::1'));
      assert.equal(clientAddress('::ffff:192.0.2.1'), '192.0.2.1');
    });

    it('limits each credential (token) and, across its credentials, each account; the headers name the policies', async () => {
      const user = await signup(api, {});
      const pat = async () => (await api.post('/v1/me/tokens', { name: 'script', scopes: ['read'] }, { token: user.token, headers: from(freshIp()) })).body.token as string;
      const [first, second] = [await pat(), await pat()]; // the account's requests 1 and 2 (a login token counts per account only)
      const me = (token: string) => api.get('/v1/me', { token, headers: from(freshIp()) });
      const res = await me(first);
      assert.equal(res.status, 200);
      const policies = parseField(res.headers.get('ratelimit-policy'));
      assert.deepEqual(policies.account, { q: 8, w: 120 });
      assert.deepEqual(policies.token, { q: 3, w: 120 });
      assert.equal(parseField(res.headers.get('ratelimit')).token!.r, 2);
      assert.equal(parseField(res.headers.get('ratelimit')).account!.r, 5);
      for (let i = 0; i < 2; i += 1) assert.equal((await me(first)).status, 200);
      assertRateLimited(await me(first), 'token', 'the 4th use of one token');
      // The account has used 6 of 8: the second token gets two more, then the account is out, for every credential.
      for (let i = 0; i < 2; i += 1) assert.equal((await me(second)).status, 200);
      assertRateLimited(await me(second), 'account', 'the account\'s 9th request');
      const login = await me(user.token);
      assertRateLimited(login, 'account', 'the login token too');
      assert.equal(parseField(login.headers.get('ratelimit-policy')).token, undefined, 'a login token is counted per account only');
    });

    it('counts a logged-in browser\'s pages and forms against its account, together with the account\'s API requests', async () => {
      const user = await signup(api);
      const browser = new PageBrowser(server.url);
      await browser.logIn(user.email, user.password);
      const page = await browser.get('/account', from(freshIp()));
      assert.equal(page.status, 200);
      assert.deepEqual(parseField(page.headers.get('ratelimit-policy')).account, { q: 8, w: 120 });
      assert.equal(parseField(page.headers.get('ratelimit')).account!.r, 7);
      for (let i = 0; i < 6; i += 1) assert.equal((await browser.get('/creator', from(freshIp()))).status, 200);
      assert.equal((await api.get('/v1/me', { token: user.token, headers: from(freshIp()) })).status, 200, 'the account\'s 8th request, by the API');
      assertRateLimited(await api.request('GET', '/account', { headers: { ...from(freshIp()), cookie: `flattr_session=${encodeURIComponent(browser.cookies.get('flattr_session')!)}` } }), 'account', 'a page past the account\'s quota');
      const form = await browser.postForm('/settings/budget', { budget: '5', _csrf: hiddenField(page.text, '_csrf') }, from(freshIp()));
      assert.equal(form.status, 429, 'a form post past it');
      assert.notEqual((await server.db.collection('users').findOne({ email: user.email }))?.budget, 500, 'the refused form did nothing');
    });

    it('answers a rate-limited OAuth token request as RFC 6749 JSON (429 slow_down), not problem+json', async () => {
      const ip = freshIp();
      for (let i = 0; i < 8; i += 1) await api.get('/widget/flattr.js', { headers: from(ip) });
      const res = await api.request('POST', '/oauth/token', { rawBody: 'grant_type=refresh_token', headers: { ...from(ip), 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(res.status, 429);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.body.error, 'slow_down');
      assert.equal(typeof res.body.error_description, 'string');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      assert.equal(parseField(res.headers.get('ratelimit')).ip!.r, 0);
    });
  });

  /**
   * The class, not an example: every route the app answers (the API, the pages and their forms,
   * what modules mount, static files) counts against the client's IP quota, before anything
   * else reads the request: past the quota, a request is 429 whatever its body or credential.
   */
  describe('per IP on every route', () => {
    let server: TestServer;
    before(async () => { server = await startTestServer({ env: { RATE_LIMIT_IP: '1', RATE_LIMIT_WINDOW_SECONDS: '600' } }); });
    after(async () => { await server.close(); });

    let address = 0;
    /** An address of its own per route (a /24 per hundred, so IPv4 counting is per address). */
    const nextIp = () => `10.77.${Math.floor((address += 1) / 250)}.${address % 250 + 1}`;

    function everyRoute(): Array<{ method: string; path: string }> {
      const found: Array<{ method: string; path: string }> = [];
      const walk = (stack: any[]) => {
        for (const layer of stack) {
          if (layer.route) {
            for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: String(layer.route.path) });
          } else if (Array.isArray(layer.handle?.stack)) {
            walk(layer.handle.stack);
          }
        }
      };
      walk((server.app.express as unknown as { router: { stack: any[] } }).router.stack);
      // Files under mounted static directories (express.static has no route of its own).
      found.push({ method: 'GET', path: '/widget/static/confirm-result.js' }, { method: 'GET', path: '/assets/pages/button-code.js' });
      return found.map((r) => ({ method: r.method, path: r.path.replace(/:[A-Za-z_]+/g, (m) => (m === ':lang' ? 'de' : m === ':period' ? '2026-01' : '0123456789abcdef01234567')) }));
    }

    it('answers 429 on every route, pages and forms included, once the address has used its quota, also for a malformed body or a site token', async () => {
      const routes = everyRoute();
      assert.ok(routes.some((r) => r.method === 'POST' && r.path === '/admin/deposits') && routes.some((r) => r.path === '/creator'), 'the pages are among the routes');
      const bodies: Array<[string, string | undefined, Record<string, string>]> = [
        ['a normal request', undefined, {}],
        ['a malformed JSON body', '{"a":', { 'content-type': 'application/json' }],
        ['a site token', undefined, { authorization: 'Bearer fsite_0123456789abcdef0123456789abcdef' }],
      ];
      const notLimited: string[] = [];
      for (const { method, path } of routes) {
        if (path === '/healthz') continue; // load balancers' health checks are not counted
        for (const [how, body, headers] of bodies) {
          if (body !== undefined && (method === 'GET' || method === 'HEAD')) continue;
          const ip = nextIp();
          await fetch(`${server.url}/widget/flattr.js`, { headers: from(ip) });
          const res = await fetch(`${server.url}${path}`, { method, body, redirect: 'manual', headers: { ...from(ip), ...headers } });
          const text = await res.text();
          if (res.status !== 429) notLimited.push(`${method} ${path} (${how}): ${res.status} ${text.slice(0, 80)}`);
        }
      }
      assert.deepEqual(notLimited, []);
    });
  });

  describe('login throttling', () => {
    let server: TestServer;
    let api: TestClient;
    let victim: TestUser;
    const login = (user: { email: string }, password: string, ip: string) =>
      api.post('/v1/auth/login', { email: user.email, password }, { headers: from(ip) });

    before(async () => {
      server = await startTestServer({ env: {
        RATE_LIMIT_LOGIN_FREE_FAILURES: '5', RATE_LIMIT_LOGIN_MAX_DELAY_SECONDS: '2',
        RATE_LIMIT_LOGIN_IP_FAILURES: '12', RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '9',
      } });
      api = testClient(server.url);
    });
    after(async () => { await server.close(); });

    it('grows the wait after consecutive failures: none for the first 4, then 1 s, 2 s, 4 s … up to the maximum', () => {
      assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 30].map((n) => loginDelaySeconds(n, 5, 900)), [0, 0, 0, 0, 1, 2, 4, 8, 900]);
      assert.equal(loginDelaySeconds(1e9, 5, 900), 900);
    });

    it('after 5 wrong passwords from one IP, the 6th attempt (even the right password) is 429 with Retry-After, and the wait grows', async () => {
      victim = await signup(api);
      const attacker = freshIp();
      for (let i = 0; i < 5; i += 1) {
        const res = await login(victim, `wrong password ${i}`, attacker);
        assert.equal(res.status, 401, `attempt ${i + 1}`);
      }
      assertRateLimited(await login(victim, 'wrong password 6', attacker), 'login-account-ip', '6th attempt');
      assertRateLimited(await login(victim, victim.password, attacker), 'login-account-ip', 'the right password while waiting');
      // After the wait, one more failure: the next wait is longer.
      await waitUntil(async () => (await login(victim, 'wrong again', attacker)).status === 401);
      const retryAfter = assertRateLimited(await login(victim, 'wrong password 8', attacker), 'login-account-ip', 'after the 6th failure');
      assert.equal(retryAfter, 2);
    });

    it('never locks the owner out: the right password from another IP works at once while the attacker waits', async () => {
      const res = await login(victim, victim.password, freshIp());
      assert.equal(res.status, 200, res.text);
      // And the same on the login form, from yet another address.
      const browser = new PageBrowser(server.url);
      const ip = freshIp();
      const page = await browser.get('/account/login', from(ip));
      const form = await browser.postForm('/account/login', { _csrf: hiddenField(page.text, '_csrf'), email: victim.email, password: victim.password }, from(ip));
      assert.equal(form.status, 303);
    });

    it('a success resets the count for that account and IP', async () => {
      const user = await signup(api);
      const ip = freshIp();
      // 3 rounds of 3 failures: without the reset, the 5th failure in a row would impose a wait.
      for (let round = 0; round < 3; round += 1) {
        for (let i = 0; i < 3; i += 1) assert.equal((await login(user, 'wrong', ip)).status, 401, `round ${round}, failure ${i + 1}`);
        assert.equal((await login(user, user.password, ip)).status, 200, `round ${round}: the right password`);
      }
    });

    it('limits failures per IP over any accounts (a list of accounts tried from one address)', async () => {
      const ip = freshIp();
      const accounts = await Promise.all(Array.from({ length: 6 }, () => signup(api)));
      let failures = 0;
      for (const account of accounts) {
        for (let i = 0; i < 2; i += 1) {
          assert.equal((await login(account, 'wrong', ip)).status, 401);
          failures += 1;
        }
      }
      assert.equal(failures, 12);
      const blocked = await login(accounts[0]!, accounts[0]!.password, ip);
      assertRateLimited(blocked, 'login-ip', 'the 13th login from that IP');
      assert.equal((await login(accounts[0]!, accounts[0]!.password, freshIp())).status, 200, 'the account itself is fine elsewhere');
    });

    it('limits failures per account over all IPs, except for clients the account knows (a successful login from there)', async () => {
      const owner = await signup(api);
      const home = freshNet();
      assert.equal((await login(owner, owner.password, home)).status, 200, 'the owner logs in from home: a known client');
      // A distributed guess: 9 failures from 9 addresses (none of them waits: each has 1 failure).
      for (let i = 0; i < 9; i += 1) assert.equal((await login(owner, `guess ${i}`, freshNet())).status, 401, `guess ${i + 1}`);
      assertRateLimited(await login(owner, 'guess 10', freshNet()), 'login-account', 'a 10th guess from a new address');
      assertRateLimited(await login(owner, owner.password, freshNet()), 'login-account', 'the right password from an unknown address');
      assert.equal((await login(owner, owner.password, home)).status, 200, 'the owner at a known place is not locked out');
    });

    it('shows a throttled login form again with the message, status 429 and Retry-After', async () => {
      const user = await signup(api);
      const ip = freshIp();
      for (let i = 0; i < 5; i += 1) await login(user, 'wrong', ip);
      const browser = new PageBrowser(server.url);
      const page = await browser.get('/account/login', from(ip));
      const res = await browser.postForm('/account/login', { _csrf: hiddenField(page.text, '_csrf'), email: user.email, password: user.password }, from(ip));
      assert.equal(res.status, 429);
      assert.match(res.text, /try again in \d+ s/);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      assert.equal(browser.cookies.has('flattr_session'), false);
    });
  });

  it('is shared by all instances: two servers on one database count together', async () => {
    const env = { RATE_LIMIT_IP: '6', RATE_LIMIT_LOGIN_FREE_FAILURES: '3', MONGODB_DB: `test_shared_${randomBytes(4).toString('hex')}` };
    const a = await startTestServer({ env });
    const b = await startTestServer({ env });
    try {
      const ip = freshIp();
      const apiA = testClient(a.url);
      const apiB = testClient(b.url);
      for (let i = 0; i < 3; i += 1) {
        assert.equal((await apiA.get('/widget/flattr.js', { headers: from(ip) })).status, 200);
        assert.equal((await apiB.get('/widget/flattr.js', { headers: from(ip) })).status, 200);
      }
      assertRateLimited(await apiA.get('/widget/flattr.js', { headers: from(ip) }), 'ip', 'the 7th request, on A');
      assertRateLimited(await apiB.get('/widget/flattr.js', { headers: from(ip) }), 'ip', 'the 8th request, on B');

      const user = await signup(apiA);
      const attacker = freshIp();
      const loginOn = (api: TestClient, password: string) => api.post('/v1/auth/login', { email: user.email, password }, { headers: from(attacker) });
      assert.equal((await loginOn(apiA, 'wrong 1')).status, 401);
      assert.equal((await loginOn(apiB, 'wrong 2')).status, 401);
      assert.equal((await loginOn(apiA, 'wrong 3')).status, 401);
      assertRateLimited(await loginOn(apiB, 'wrong 4'), 'login-account-ip', 'a 4th attempt on the other instance');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('never fails a request because its store is unreachable: it falls back to counting in memory within the timeout', async () => {
    // Nothing listens on port 1: every operation waits for server selection, far longer than the limiter's timeout.
    const client = new MongoClient('mongodb://127.0.0.1:1', { serverSelectionTimeoutMS: 10_000 });
    try {
      const server = await startTestServer();
      try {
        const ctx = { ...server.ctx, db: client.db('unreachable') };
        const limiter = createLimiter(ctx, { collection: 'rate_limit_probe', points: 3, durationSeconds: 60 }, 200);
        const started = Date.now();
        for (let i = 0; i < 3; i += 1) assert.equal((await limiter.store.consume('k')).remainingPoints, 2 - i);
        await assert.rejects(limiter.store.consume('k'), (res: unknown) => (res as { remainingPoints?: number }).remainingPoints === 0, 'still limits');
        assert.ok(Date.now() - started < 5_000, 'answered within the timeouts, not the driver\'s 10 s');
      } finally {
        await server.close();
      }
    } finally {
      await client.close();
    }
  });

  it('lets requests through when the database goes away (the route answers as it would without limits, never a 500 from the limiter)', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT_IP: '1000', RATE_LIMIT_STORE_TIMEOUT_MS: '300' } });
    try {
      const api = testClient(server.url);
      assert.equal((await api.get('/widget/flattr.js')).status, 200);
      await server.ctx.client.close();
      const res = await api.get('/widget/flattr.js');
      assert.equal(res.status, 200, 'the loader needs no database: the limiter must not fail it');
      assert.equal(parseField(res.headers.get('ratelimit')).ip!.r, 999, 'counted in memory (afresh) once the store failed');
    } finally {
      await server.close();
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
