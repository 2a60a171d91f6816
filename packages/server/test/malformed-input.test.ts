import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Express } from 'express';
import { createAdmin, startStripeMock, startTestServer, stripeTestEnv, testClient, type StripeMock, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

interface ExpressRoute { method: string; path: string }

/**
 * Every route the Express app answers, from its router: the API's route specs
 * and the routes modules mount themselves (the demo's pages), so a route
 * added later is covered without touching this test.
 */
function expressRoutes(app: Express): ExpressRoute[] {
  const found: ExpressRoute[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: String(layer.route.path) });
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: any[] } }).router.stack);
  return found;
}

/** `/v1/things/:id` → the path with every parameter replaced by `value` (raw, not encoded again). */
function withParams(path: string, value: string): string {
  return path.replace(/:[A-Za-z_]+/g, value);
}

const BAD_ESCAPES = ['%FF%FE', '%', '%E0%A4%A', '%C0%AF%ZZ', 'x%00%FFy'];

/**
 * Finding 2 of the outside review: malformed input answered 500
 * `internal_error` (90 requests). Every error that carries a 4xx status
 * (Express's router, body-parser, raw-body, zlib behind them) must answer
 * problem+json with that status and a stable code, and nothing may be logged
 * as an unhandled error: a 500 or a log line for bad input is a defect.
 */
describe('malformed input: 4xx problem+json, never 500, never logged as unhandled', () => {
  let stripeMock: StripeMock;
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  let logged: unknown[][] = [];
  const consoleError = console.error;

  before(async () => {
    // Stripe configured (against stripe-mock), so the webhook route reads its body as in production
    // instead of refusing before reading it, and the routes that ask Stripe get Stripe's answers.
    stripeMock = await startStripeMock();
    server = await startTestServer({ env: stripeTestEnv(stripeMock.url) });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
  });
  after(async () => { await server?.close(); await stripeMock?.stop(); });
  // The test server's logger prints unexpected errors with console.error: collect them.
  beforeEach(() => {
    logged = [];
    console.error = (...args: unknown[]) => { logged.push(args); };
  });
  afterEach(() => {
    console.error = consoleError;
    assert.deepEqual(logged.map((args) => String(args[0])), [], 'nothing logged as an unhandled error');
  });

  async function expectProblem(res: { status: number; headers: Headers; text: string }, what: string, status?: number): Promise<any> {
    assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
    if (status !== undefined) assert.equal(res.status, status, `${what}: ${res.text.slice(0, 300)}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
    const body = JSON.parse(res.text);
    assert.equal(body.status, res.status, what);
    assert.match(body.code, /^[a-z_]+$/, what);
    assert.notEqual(body.code, 'internal_error', what);
    return body;
  }

  /**
   * A refused body: problem+json with `status` and `code`, except at the OAuth token endpoint,
   * which answers RFC 6749 JSON (`invalid_request`, 400) for every malformed body (input-refusal.test.ts),
   * and at Stripe's webhook, which takes any body as raw bytes (up to the body limit and after
   * decoding): what is not signed by Stripe is 400 `invalid_signature` however it is malformed.
   */
  async function expectBodyRefused(res: { status: number; headers: Headers; text: string }, path: string, what: string, status: number, code: string): Promise<void> {
    if (path === '/v1/webhooks/stripe' && code !== 'body_too_large' && code !== 'malformed_body') {
      assert.equal((await expectProblem(res, what, 400)).code, 'invalid_signature', what);
      return;
    }
    if (path === '/oauth/token') {
      assert.equal(res.status, 400, `${what}: ${res.text.slice(0, 200)}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
      assert.equal(JSON.parse(res.text).error, 'invalid_request', what);
      return;
    }
    const body = await expectProblem(res, what, status);
    assert.equal(body.code, code, what);
  }

  it('answers bad percent-encoding in every path parameter of every route with 400 malformed_path', async () => {
    const routes = expressRoutes(server.app.express).filter((r) => r.path.includes(':'));
    const paths = new Set(routes.map((r) => r.path));
    // The route list really is the app's: the API's :id, :period, :hash, :lang and the demo's :slug.
    for (const expected of ['/v1/things/:id', '/v1/stats/:period', '/widget/v/:hash/flattr.js', '/widget/i18n/:lang.json', '/demo/posts/:slug']) {
      assert.ok(paths.has(expected), `the route list has ${expected}`);
    }
    let requests = 0;
    for (const route of routes) {
      for (const bad of BAD_ESCAPES) {
        const path = withParams(route.path, bad);
        const res = await api.request(route.method, path, { token: admin.token, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }) });
        const body = await expectProblem(res, `${route.method} ${path}`, 400);
        assert.equal(body.code, 'malformed_path', `${route.method} ${path}`);
        requests += 1;
      }
    }
    assert.ok(requests >= routes.length * BAD_ESCAPES.length);
  });

  it('answers bad percent-encoding anywhere in the path, also where no route matches (static files, unknown paths)', async () => {
    for (const path of ['/%FF%FE', '/v1/%FF', '/widget/static/%FF%FE', '/widget/static/a%', '/demo/%E0%A4%A', '/assets/%FF.css', '/settings/%FF']) {
      const res = await api.get(path, { token: admin.token });
      await expectProblem(res, `GET ${path}`);
    }
  });

  it('answers malformed query strings on every GET route with 4xx or success, never 5xx', async () => {
    const routes = expressRoutes(server.app.express).filter((r) => r.method === 'GET');
    for (const route of routes) {
      const path = `${withParams(route.path, 'x')}?url=%FF%FE&period=%&next=%E0%A4%A&id=%00&url=`;
      const res = await api.get(path, { token: admin.token });
      assert.ok(res.status < 500, `GET ${path}: ${res.status} ${res.text.slice(0, 200)}`);
    }
  });

  /** Every route that takes a body (POST, PATCH, PUT), with its parameters filled in plausibly. */
  function bodyRoutes(): ExpressRoute[] {
    return expressRoutes(server.app.express).filter((r) => ['POST', 'PATCH', 'PUT'].includes(r.method))
      .map((r) => ({ method: r.method, path: withParams(r.path, '0123456789abcdef01234567') }));
  }

  it('answers a body that claims Content-Encoding gzip, deflate or br but is not, on every body route, with 400', async () => {
    for (const route of bodyRoutes()) {
      for (const encoding of ['gzip', 'deflate', 'br']) {
        for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
          const res = await api.request(route.method, route.path, {
            token: admin.token, rawBody: type === 'application/json' ? '{"a":1}' : 'a=1', headers: { 'content-type': type, 'content-encoding': encoding },
          });
          await expectBodyRefused(res, route.path, `${route.method} ${route.path} (${encoding}, ${type})`, 400, 'malformed_body');
        }
      }
    }
  });

  it('answers a truncated gzip body, an unknown encoding and an unknown charset with 4xx', async () => {
    const truncated = gzipSync(Buffer.from(JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(100) }))).subarray(0, 20);
    const res = await fetch(`${server.url}/v1/auth/login`, { method: 'POST', body: truncated, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    await expectProblem({ status: res.status, headers: res.headers, text: await res.text() }, 'truncated gzip', 400);
    const unknown = await api.request('POST', '/v1/auth/login', { rawBody: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'compress' } });
    assert.equal((await expectProblem(unknown, 'Content-Encoding: compress', 415)).code, 'unsupported_encoding');
    const charset = await api.request('POST', '/v1/auth/login', { rawBody: '{}', headers: { 'content-type': 'application/json; charset=ebcdic-x' } });
    assert.equal((await expectProblem(charset, 'charset', 415)).code, 'unsupported_charset');
  });

  it('answers a urlencoded body over the parameter limit, on every body route, with 413 too_many_parameters', async () => {
    const form = Array.from({ length: 1500 }, (_, i) => `p${i}=${i}`).join('&');
    for (const route of bodyRoutes()) {
      const res = await api.request(route.method, route.path, { token: admin.token, rawBody: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      await expectBodyRefused(res, route.path, `${route.method} ${route.path}`, 413, 'too_many_parameters');
    }
  });

  it('answers deeply nested, oversized and malformed JSON on every body route with 4xx', async () => {
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const deepObject = `{"url":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"title":"t"}`;
    for (const route of bodyRoutes()) {
      // Well-formed but absurd: whatever the route makes of it, never a 5xx.
      for (const [name, rawBody] of [['deep array', deep], ['deep object', deepObject]] as const) {
        const res = await api.request(route.method, route.path, { token: admin.token, rawBody, headers: { 'content-type': 'application/json' } });
        assert.ok(res.status < 500, `${route.method} ${route.path} (${name}): ${res.status} ${res.text.slice(0, 200)}`);
      }
      for (const [name, rawBody, code] of [['truncated', '{"a":', 'malformed_json'], ['scalar', '"x"', 'malformed_json'], ['huge', `{"a":"${'x'.repeat(200_000)}"}`, 'body_too_large']] as const) {
        const res = await api.request(route.method, route.path, { token: admin.token, rawBody, headers: { 'content-type': 'application/json' } });
        await expectBodyRefused(res, route.path, `${route.method} ${route.path} (${name})`, code === 'body_too_large' ? 413 : 400, code);
      }
    }
  });

  it('answers a body shorter than its Content-Length with 4xx, and does not log a client that hangs up mid-body', async () => {
    // The same app on a listener of our own, to know when the server is done with each request.
    const finished: Promise<void>[] = [];
    const listener = createServer((req, res) => {
      finished.push(new Promise((resolve) => res.on('close', () => setImmediate(resolve))));
      server.app.express(req, res);
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      // Shorter than announced, then half-closed: raw-body sees the end early.
      const short = await rawRequest(port, 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1}', { end: true });
      assert.ok(short === '' || /^HTTP\/1\.1 4\d\d/.test(short), short.slice(0, 100));
      // Clients that disconnect mid-body: nobody to answer, nothing to log.
      for (const path of ['/v1/things', '/v1/auth/login', '/account/login', '/oauth/token']) {
        await rawRequest(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"url":"https://ex`, { destroy: true });
      }
      await waitFor(() => finished.length >= 5);
      await Promise.all(finished);
    } finally {
      listener.closeAllConnections();
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});

/** Sends raw bytes on a new connection; resolves with what came back when the server closes (or at once after `destroy`). */
function rawRequest(port: number, data: string, how: { end?: boolean; destroy?: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(data);
      if (how.destroy) {
        setImmediate(() => { socket.destroy(); resolve(''); });
      } else if (how.end) {
        socket.end();
      }
    });
    let received = '';
    socket.on('data', (chunk) => { received += chunk.toString('latin1'); });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
