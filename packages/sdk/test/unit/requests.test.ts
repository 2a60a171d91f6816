import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { http, HttpResponse } from 'msw';
import { FlattrClient } from '../../src/index.js';
import { API, flattr, mockApi, recordRequests, testClient, thing, user } from './setup.js';

const server = mockApi();
const seen = recordRequests(server);

/** Every method: the request it sends (method, path, query, JSON body) and whether it sends the token. */
const cases: Array<{ name: string; run: (c: FlattrClient) => Promise<unknown>; method: string; path: string; body?: unknown; auth: boolean; status?: number }> = [
  { name: 'me.get', run: (c) => c.me.get(), method: 'GET', path: '/v1/me', auth: true },
  { name: 'me.update', run: (c) => c.me.update({ budget: 700 }), method: 'PATCH', path: '/v1/me', body: { budget: 700 }, auth: true },
  { name: 'balance.get', run: (c) => c.balance.get(), method: 'GET', path: '/v1/me/balance', auth: true },
  { name: 'things.get', run: (c) => c.things.get('abc/1'), method: 'GET', path: '/v1/things/abc%2F1', auth: false },
  { name: 'things.getByUrl', run: (c) => c.things.getByUrl('https://blog.example/a?b=1'), method: 'GET', path: '/v1/things?url=https%3A%2F%2Fblog.example%2Fa%3Fb%3D1', auth: false },
  { name: 'things.register', run: (c) => c.things.register({ url: 'https://blog.example/a', title: 'A' }), method: 'POST', path: '/v1/things', body: { url: 'https://blog.example/a', title: 'A' }, auth: true, status: 201 },
  { name: 'things.discover', run: (c) => c.things.discover('https://pod.example/feed.rss'), method: 'POST', path: '/v1/things/discover', body: { url: 'https://pod.example/feed.rss' }, auth: true },
  { name: 'flattrs.create', run: (c) => c.flattrs.create({ url: 'https://blog.example/a' }), method: 'POST', path: '/v1/flattrs', body: { url: 'https://blog.example/a' }, auth: true, status: 201 },
  { name: 'flattrs.withdraw', run: (c) => c.flattrs.withdraw('f1'), method: 'DELETE', path: '/v1/flattrs/f1', auth: true, status: 204 },
  { name: 'flattrs.list', run: (c) => c.flattrs.list({ period: '2026-10' }), method: 'GET', path: '/v1/me/flattrs?period=2026-10', auth: true },
  { name: 'tokens.list', run: (c) => c.tokens.list(), method: 'GET', path: '/v1/me/tokens', auth: true },
  { name: 'tokens.create', run: (c) => c.tokens.create({ name: 'cms', scopes: ['read', 'things'] }), method: 'POST', path: '/v1/me/tokens', body: { name: 'cms', scopes: ['read', 'things'] }, auth: true, status: 201 },
  { name: 'tokens.revoke', run: (c) => c.tokens.revoke('t1'), method: 'DELETE', path: '/v1/me/tokens/t1', auth: true, status: 204 },
  { name: 'siteTokens.list', run: (c) => c.siteTokens.list(), method: 'GET', path: '/v1/me/site-tokens', auth: true },
  { name: 'siteTokens.revoke', run: (c) => c.siteTokens.revoke('s1'), method: 'DELETE', path: '/v1/me/site-tokens/s1', auth: true, status: 204 },
  { name: 'siteTokens.update', run: (c) => c.siteTokens.update('s1', { monthlyCap: 25 }), method: 'PATCH', path: '/v1/me/site-tokens/s1', body: { monthlyCap: 25 }, auth: true },
  { name: 'sites.add', run: (c) => c.sites.add({ url: 'https://blog.example' }), method: 'POST', path: '/v1/sites', body: { url: 'https://blog.example' }, auth: true, status: 201 },
  { name: 'sites.list', run: (c) => c.sites.list(), method: 'GET', path: '/v1/sites', auth: true },
  { name: 'sites.verify', run: (c) => c.sites.verify('site1'), method: 'POST', path: '/v1/sites/site1/verify', auth: true },
  { name: 'subscriptions.create', run: (c) => c.subscriptions.create({ thingId: 'x', months: 3 }), method: 'POST', path: '/v1/subscriptions', body: { thingId: 'x', months: 3 }, auth: true, status: 201 },
  { name: 'subscriptions.list', run: (c) => c.subscriptions.list(), method: 'GET', path: '/v1/me/subscriptions', auth: true },
  { name: 'subscriptions.update', run: (c) => c.subscriptions.update('sub1', { paused: true }), method: 'PATCH', path: '/v1/subscriptions/sub1', body: { paused: true }, auth: true },
  { name: 'subscriptions.cancel', run: (c) => c.subscriptions.cancel('sub1'), method: 'DELETE', path: '/v1/subscriptions/sub1', auth: true, status: 204 },
  { name: 'oauthClients.create', run: (c) => c.oauthClients.create({ name: 'App', redirectUris: ['https://app.example/cb'] }), method: 'POST', path: '/v1/oauth/clients', body: { name: 'App', redirectUris: ['https://app.example/cb'] }, auth: true, status: 201 },
  { name: 'earnings.get', run: (c) => c.earnings.get({ period: '2026-10' }), method: 'GET', path: '/v1/me/earnings?period=2026-10', auth: true },
  { name: 'payouts.request', run: (c) => c.payouts.request({ amount: 1000 }), method: 'POST', path: '/v1/me/payouts', body: { amount: 1000 }, auth: true, status: 201 },
  { name: 'payouts.list', run: (c) => c.payouts.list(), method: 'GET', path: '/v1/me/payouts', auth: true },
  { name: 'stats.get', run: (c) => c.stats.get('2026-10'), method: 'GET', path: '/v1/stats/2026-10', auth: false },
  { name: 'deposits.demo', run: (c) => c.deposits.demo({ amount: 500 }), method: 'POST', path: '/v1/me/deposits/demo', body: { amount: 500 }, auth: true, status: 201 },
  { name: 'admin.deposit', run: (c) => c.admin.deposit({ userId: 'u1', amount: 500, reference: 'r1' }), method: 'POST', path: '/v1/admin/deposits', body: { userId: 'u1', amount: 500, reference: 'r1' }, auth: true, status: 201 },
  { name: 'admin.setRoles', run: (c) => c.admin.setRoles('u1', ['creator']), method: 'POST', path: '/v1/admin/users/u1/roles', body: { roles: ['creator'] }, auth: true },
  { name: 'admin.distributions.start', run: (c) => c.admin.distributions.start('2026-10'), method: 'POST', path: '/v1/admin/distributions', body: { period: '2026-10' }, auth: true, status: 202 },
  { name: 'admin.distributions.status', run: (c) => c.admin.distributions.status('2026-10'), method: 'GET', path: '/v1/admin/distributions/2026-10', auth: true },
  { name: 'admin.ledger.verify', run: (c) => c.admin.ledger.verify(), method: 'GET', path: '/v1/admin/ledger/verify', auth: true },
  { name: 'admin.payouts.list', run: (c) => c.admin.payouts.list({ status: 'requested' }), method: 'GET', path: '/v1/admin/payouts?status=requested', auth: true },
  { name: 'admin.payouts.markPaid', run: (c) => c.admin.payouts.markPaid('p1', { reference: 'bank-1' }), method: 'POST', path: '/v1/admin/payouts/p1/paid', body: { reference: 'bank-1' }, auth: true },
];

describe('request shapes', () => {
  for (const c of cases) {
    it(`${c.name} sends ${c.method} ${c.path}`, async () => {
      server.use(http.all(`${API}/*`, () => (c.status === 204
        ? new HttpResponse(null, { status: 204 })
        : HttpResponse.json(c.path.startsWith('/v1/flattrs') ? flattr : c.path.startsWith('/v1/things') ? thing : user, { status: c.status ?? 200 }))));
      seen.length = 0;
      await c.run(testClient({ token: 'fpat_secret', headers: { 'x-app': 'tests' } }));
      assert.equal(seen.length, 1);
      const request = seen[0]!;
      const url = new URL(request.url);
      assert.equal(request.method, c.method);
      assert.equal(url.pathname + url.search, c.path);
      assert.equal(request.headers.get('authorization'), c.auth ? 'Bearer fpat_secret' : null);
      assert.equal(request.headers.get('accept'), 'application/json');
      assert.equal(request.headers.get('x-app'), 'tests');
      if (c.body === undefined) {
        assert.equal(await request.text(), '');
      } else {
        assert.equal(request.headers.get('content-type'), 'application/json');
        assert.deepEqual(await request.json(), c.body);
      }
    });
  }

  it('flattrs.create sends a UUID Idempotency-Key, a fresh one per call', async () => {
    server.use(http.post(`${API}/v1/flattrs`, () => HttpResponse.json(flattr, { status: 201 })));
    seen.length = 0;
    const client = testClient({ token: 't' });
    await client.flattrs.create({ url: 'https://blog.example/a' });
    await client.flattrs.create({ url: 'https://blog.example/a' });
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    assert.match(keys[0]!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(keys[0], keys[1]);
  });

  it('flattrs.create tells a first flattr (201) from a repeat (200)', async () => {
    let first = true;
    server.use(http.post(`${API}/v1/flattrs`, () => {
      const status = first ? 201 : 200;
      first = false;
      return HttpResponse.json(flattr, { status });
    }));
    const client = testClient({ token: 't' });
    const a = await client.flattrs.create({ thingId: thing.id });
    const b = await client.flattrs.create({ thingId: thing.id }, { idempotencyKey: 'my-key' });
    assert.deepEqual([a.status, a.created, b.status, b.created], [201, true, 200, false]);
    assert.equal(a.flattr.id, flattr.id);
  });

  it('admin.payouts.csv asks for format=csv and returns the text', async () => {
    server.use(http.get(`${API}/v1/admin/payouts`, ({ request }) =>
      new URL(request.url).searchParams.get('format') === 'csv'
        ? new HttpResponse('id,amount\np1,1000\n', { headers: { 'content-type': 'text/csv' } })
        : HttpResponse.json({ items: [] })));
    assert.equal(await testClient({ token: 't' }).admin.payouts.csv(), 'id,amount\np1,1000\n');
  });

  it('getToken is asked on every call; the base URL may end with a slash', async () => {
    server.use(http.get(`${API}/v1/me`, () => HttpResponse.json(user)));
    seen.length = 0;
    let n = 0;
    const client = new FlattrClient({ baseUrl: `${API}/`, getToken: async () => `tok-${++n}` });
    await client.me.get();
    await client.me.get();
    assert.deepEqual(seen.map((r) => [r.url, r.headers.get('authorization')]), [
      [`${API}/v1/me`, 'Bearer tok-1'],
      [`${API}/v1/me`, 'Bearer tok-2'],
    ]);
  });

  it('withDefaults composes options without touching the original client', async () => {
    server.use(http.get(`${API}/v1/me`, () => HttpResponse.json(user)));
    seen.length = 0;
    const base = testClient({ token: 't', headers: { 'x-a': '1' } });
    const derived = base.withDefaults({ headers: { 'x-b': '2' }, token: 'other' });
    await derived.me.get();
    await base.me.get();
    assert.deepEqual(seen.map((r) => [r.headers.get('authorization'), r.headers.get('x-a'), r.headers.get('x-b')]), [
      ['Bearer other', '1', '2'],
      ['Bearer t', '1', null],
    ]);
  });

  it('a missing fetch fails at construction, saying how to fix it', () => {
    const original = globalThis.fetch;
    // @ts-expect-error simulating a runtime without fetch
    delete globalThis.fetch;
    try {
      assert.throws(() => new FlattrClient({ baseUrl: API }), /no fetch available\. Pass one in the options \(\{ fetch \}\)/);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('uses an injected fetch instead of the global one', async () => {
    const calls: string[] = [];
    const client = new FlattrClient({
      baseUrl: API,
      fetch: async (input) => { calls.push(String(input)); return Response.json(user); },
    });
    assert.equal((await client.me.get()).email, user.email);
    assert.deepEqual(calls, [`${API}/v1/me`]);
  });
});

describe('every method calls an operation of the server\'s OpenAPI document', () => {
  let document: { paths: Record<string, Record<string, object | undefined>> };
  before(() => {
    const serverRoot = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@flattr/server')), '..');
    document = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', 'scripts/print-openapi.ts'], { cwd: serverRoot, encoding: 'utf8' }));
  });
  const ids = new Set(['abc%2F1', 'f1', 't1', 's1', 'site1', 'sub1', 'u1', 'p1']);
  for (const c of cases) {
    const template = c.path.split('?')[0]!.split('/')
      .map((part) => (ids.has(part) ? '{id}' : /^\d{4}-\d{2}$/.test(part) ? '{period}' : part)).join('/');
    it(`${c.name}: ${c.method} ${template}`, () => {
      const operation = document.paths[template]?.[c.method.toLowerCase()];
      assert.ok(operation, `the server's document has no ${c.method} ${template}`);
      // The SDK sends credentials exactly where the server demands them.
      assert.equal('security' in (operation as object), c.auth, c.auth ? 'the SDK sends a token the server does not ask for' : 'the server requires a token the SDK does not send');
    });
  }
});
