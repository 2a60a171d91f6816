import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { issueSiteToken } from '../src/auth/index.js';
import { startTestServer, signup, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

const SITE = 'https://blog.example';

/** Sample values for every path parameter the app's routes use, so each route is reached for real. */
const PARAMS: Record<string, string> = {
  id: new ObjectId().toHexString(), period: '2026-01', hash: '0123456789abcdef', lang: 'de', slug: 'hello-open-flattr',
};

/**
 * What a site may do with the reader's "one click on this site" (docs/auth.md,
 * "Site tokens"): record a new flattr of a thing on its own origin, and
 * nothing else. Every route the app has is tried with a live site token from
 * the right `Origin`, so a route added later cannot accept one by accident.
 */
describe('site tokens: one permission, on one route', () => {
  let server: TestServer;
  let api: TestClient;
  let reader: TestUser;
  let token: string;
  const asSite = (extra: Record<string, string> = {}) => ({ token, headers: { origin: SITE, ...extra } });

  /** Documents per collection: a refused request must not change any. */
  async function snapshot(): Promise<Record<string, number>> {
    const names = (await server.db.listCollections().toArray()).map((c) => c.name).sort();
    return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await server.db.collection(n).countDocuments()] as const)));
  }

  before(async () => {
    server = await startTestServer({ env: { DEMO_TOPUP: 'true' } });
    api = testClient(server.url);
    reader = await signup(api);
    ({ token } = await issueSiteToken(server.ctx, reader.id, SITE));
  });
  after(async () => { await server.close(); });

  /** Every route of the app as `METHOD path`: the route specs (API, pages, widget) and what modules mount on Express directly. */
  function allRoutes(): Array<{ method: string; path: string }> {
    const routes = server.app.routes.map((r) => ({ method: r.method.toUpperCase(), path: r.path }));
    const stack = (server.app.express as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
    for (const layer of stack) {
      if (!layer.route) continue;
      for (const method of Object.keys(layer.route.methods)) routes.push({ method: method.toUpperCase(), path: layer.route.path });
    }
    // A file under a mounted static directory (express.static has no route of its own).
    routes.push({ method: 'GET', path: '/widget/static/confirm-result.js' });
    return routes;
  }

  it('is refused with 403 site_token_not_allowed on every route but POST /v1/flattrs, and nothing is written', async () => {
    const routes = allRoutes();
    assert.ok(routes.length > 50, `found ${routes.length} routes`);
    assert.ok(routes.some((r) => r.method === 'GET' && r.path === '/demo/'), 'the mounted pages are enumerated too');
    const before = await snapshot();
    const accepted: string[] = [];
    for (const { method, path } of routes) {
      const url = path.replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAMS[name] ?? 'x');
      const body = method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify({});
      const res = await fetch(`${server.url}${url}`, {
        method,
        body,
        redirect: 'manual',
        headers: { authorization: `Bearer ${token}`, origin: SITE, ...(body ? { 'content-type': 'application/json' } : {}) },
      });
      const text = await res.text();
      if (`${method} ${path}` === 'POST /v1/flattrs') {
        // Reached with an empty body: the route accepted the token and validated the input.
        assert.equal(res.status, 400, text);
        continue;
      }
      if (res.status !== 403 || !text.includes('"code":"site_token_not_allowed"')) accepted.push(`${method} ${path} → ${res.status} ${text.slice(0, 80)}`);
    }
    assert.deepEqual(accepted, [], 'routes that did not refuse the site token');
    assert.deepEqual(await snapshot(), before, 'no refused request wrote anything');
  });

  it('cannot withdraw the flattr it made, nor touch subscriptions', async () => {
    const made = await api.post('/v1/flattrs', { url: `${SITE}/posts/withdraw` }, asSite());
    assert.equal(made.status, 201, made.text);
    const withdraw = await api.delete(`/v1/flattrs/${made.body.id}`, asSite());
    assert.equal(withdraw.status, 403);
    assert.equal(withdraw.body.code, 'site_token_not_allowed');
    assert.ok(await server.db.collection('flattrs').findOne({ _id: new ObjectId(made.body.id as string) }), 'the flattr is still there');
    const subscribe = await api.post('/v1/subscriptions', { url: `${SITE}/posts/withdraw`, months: 3 }, asSite());
    assert.equal(subscribe.body.code, 'site_token_not_allowed');
    assert.equal(await server.db.collection('subscriptions').countDocuments({}), 0);
  });

  it('flattrs only things on its own origin (same scheme, host and port), by URL', async () => {
    const onSite = ['https://blog.example/posts/a', 'https://BLOG.example/posts/b', 'https://blog.example:443/posts/c'];
    for (const url of onSite) {
      const res = await api.post('/v1/flattrs', { url }, asSite());
      assert.equal(res.status, 201, `${url}: ${res.text}`);
    }
    const offSite = [
      'http://blog.example/posts/a', // another scheme
      'https://www.blog.example/posts/a', // a subdomain
      'https://blog.example:8443/posts/a', // another port
      'https://blog.example.evil/posts/a',
      'https://elsewhere.example/posts/a',
    ];
    for (const url of offSite) {
      const res = await api.post('/v1/flattrs', { url }, asSite());
      assert.equal(res.status, 403, url);
      assert.equal(res.body.code, 'thing_not_on_site', url);
      assert.equal(await server.db.collection('things').countDocuments({ url: url.replace('https://blog.example:8443', 'https://blog.example:8443') }), 0, url);
    }
    // By id it cannot say where the thing lives without a read; a site token names things by URL.
    const thingId = (await server.db.collection('things').findOne({ url: 'https://blog.example/posts/a' }))!._id.toHexString();
    const byId = await api.post('/v1/flattrs', { thingId }, asSite());
    assert.equal(byId.status, 403);
    assert.equal(byId.body.code, 'thing_not_on_site');
  });

  it('answers without the reader\'s id: a site does not learn who the reader is', async () => {
    const res = await api.post('/v1/flattrs', { url: `${SITE}/posts/anonymous` }, asSite());
    assert.equal(res.status, 201);
    assert.equal(res.body.readerId, undefined);
    assert.equal(res.body.thing.url, `${SITE}/posts/anonymous`);
    const mine = await api.post('/v1/flattrs', { url: `${SITE}/posts/anonymous` }, { token: reader.token });
    assert.equal(mine.body.readerId, reader.id, 'the reader\'s own credentials still see it');
  });

  it('from another origin is still 403 origin_mismatch on the one route that takes site tokens', async () => {
    const res = await api.post('/v1/flattrs', { url: `${SITE}/posts/x` }, { token, headers: { origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'origin_mismatch');
  });
});
