import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ObjectId } from 'mongodb';
import addFormats from 'ajv-formats';
import { toOpenApiPath } from '../src/http/openapi.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';
import { createAdmin, signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

type Operation = {
  security?: unknown[];
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

describe('OpenAPI document', () => {
  let server: TestServer;
  let api: TestClient;
  let doc: Document;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    doc = (await api.get('/v1/openapi.json')).body;
  });
  after(async () => { await server.close(); });

  const operations = (): Array<{ path: string; method: string; operation: Operation }> => Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

  it('describes every route the server mounts, with its method', () => {
    assert.ok(server.app.routes.length > 10);
    const missing = server.app.routes
      .filter((route) => !doc.paths[toOpenApiPath(route.path)]?.[route.method])
      .map((route) => `${route.method.toUpperCase()} ${route.path}`);
    assert.deepEqual(missing, []);
  });

  it('documents no operation the server does not mount', () => {
    const mounted = new Set(server.app.routes.map((route) => `${route.method} ${toOpenApiPath(route.path)}`));
    const extra = operations().map(({ path, method }) => `${method} ${path}`).filter((op) => !mounted.has(op));
    assert.deepEqual(extra, []);
  });

  it('answers every documented operation with something other than route_not_found, and never 500', async () => {
    const failures: string[] = [];
    for (const { path, method } of operations()) {
      // A well-formed id that names nothing: the route must be found even if the resource is not.
      const concrete = path.replace(/\{[^}]+\}/g, (name) => (name === '{period}' ? '2026-01' : '0123456789abcdef01234567'));
      const res = await api.request(method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? {} : { body: {} });
      if (res.body?.code === 'route_not_found' || res.status >= 500) failures.push(`${method.toUpperCase()} ${concrete} → ${res.status} ${res.body?.code ?? ''}`);
    }
    assert.deepEqual(failures, []);
  });

  it('answers every operation that requires a credential with 401 when called without one', async () => {
    const failures: string[] = [];
    for (const { path, method, operation } of operations()) {
      if (!operation.security?.length) continue;
      const concrete = path.replace(/\{[^}]+\}/g, '0123456789abcdef01234567');
      const res = await api.request(method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? {} : { body: {} });
      if (res.status !== 401) failures.push(`${method.toUpperCase()} ${concrete} → ${res.status}`);
    }
    assert.deepEqual(failures, []);
  });

  describe('real answers match their documented schemas', () => {
    let reader: TestUser;
    let admin: TestUser;
    let validate: (method: string, path: string, status: number, body: unknown) => void;
    before(async () => {
      reader = await signup(api);
      admin = await createAdmin(server, api);
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats.default(ajv);
      validate = (method, path, status, body) => {
        const response = doc.paths[path]?.[method]?.responses[String(status)];
        assert.ok(response, `${method} ${path} documents no ${status} answer`);
        const schema = Object.values(response.content ?? {})[0]?.schema;
        assert.ok(schema, `${method} ${path} ${status} has no schema`);
        const check = ajv.compile({ ...(schema as object), components: doc.components });
        assert.ok(check(body), `${method} ${path} ${status}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body)}`);
      };
    });

    it('things, flattrs, counts and deposits', async () => {
      const thing = await api.post('/v1/things', { url: 'https://schema.example/a', title: 'Schema', tags: ['x'], language: 'en' }, { token: reader.token });
      assert.equal(thing.status, 201);
      validate('post', '/v1/things', 201, thing.body);
      validate('get', '/v1/things/{id}', 200, (await api.get(`/v1/things/${thing.body.id}`)).body);
      validate('get', '/v1/things', 200, (await api.get('/v1/things?url=https://schema.example/a')).body);

      const click = await api.post('/v1/flattrs', { url: 'https://schema.example/b', title: 'B', creator: 'someone' }, { token: reader.token });
      assert.equal(click.status, 201);
      validate('post', '/v1/flattrs', 201, click.body);
      const repeat = await api.post('/v1/flattrs', { thingId: click.body.thingId }, { token: reader.token });
      assert.equal(repeat.status, 200);
      validate('post', '/v1/flattrs', 200, repeat.body);
      validate('get', '/v1/me/flattrs', 200, (await api.get('/v1/me/flattrs', { token: reader.token })).body);
      validate('get', '/v1/counts', 200, (await api.get('/v1/counts?url=https://schema.example/b&url=https://none.example/')).body);

      const deposit = await api.post('/v1/admin/deposits', { userId: reader.id, amount: 1000, reference: 'schema-1' }, { token: admin.token });
      assert.equal(deposit.status, 201);
      validate('post', '/v1/admin/deposits', 201, deposit.body);
    });

    it('error answers (problem+json) of things, flattrs, counts and deposits', async () => {
      const owner = await signup(api);
      await server.db.collection('sites').insertOne({ userId: new ObjectId(owner.id), host: 'own.example', verifiedAt: new Date(), method: 'well-known' });
      const own = await api.post('/v1/flattrs', { url: 'https://own.example/post' }, { token: owner.token });
      assert.equal(own.status, 422);
      validate('post', '/v1/flattrs', 422, own.body);
      const missing = await api.get('/v1/things/0123456789abcdef01234567');
      assert.equal(missing.status, 404);
      validate('get', '/v1/things/{id}', 404, missing.body);
      const tooMany = await api.get(`/v1/counts?${Array.from({ length: 101 }, (_, i) => `url=https://n.example/${i}`).join('&')}`);
      assert.equal(tooMany.status, 400);
      validate('get', '/v1/counts', 400, tooMany.body);
      const noUser = await api.post('/v1/admin/deposits', { userId: '0123456789abcdef01234567', amount: 1, reference: 'r' }, { token: admin.token });
      assert.equal(noUser.status, 404);
      validate('post', '/v1/admin/deposits', 404, noUser.body);
    });

    it('health and the signed-in user', async () => {
      validate('get', '/healthz', 200, (await api.get('/healthz')).body);
      const me = await api.get('/v1/me', { token: reader.token });
      assert.equal(me.status, 200);
      validate('get', '/v1/me', 200, me.body);
    });

    it('catches an answer that does not match (the check can fail)', () => {
      assert.throws(() => validate('get', '/v1/things/{id}', 200, { id: 1 }));
    });
  });

  // Each of these was an answer the schemathesis run (fuzz-openapi.test.ts) found undocumented.
  describe('answers the fuzzer found undocumented', () => {
    let ajv: Ajv2020;
    /** The documented content for the answer's status and media type; its schema must accept the body. */
    const conforms = (method: string, path: string, res: { status: number; headers: Headers; text: string }) => {
      const response = doc.paths[path]?.[method]?.responses[String(res.status)] as { $ref?: string; content?: Record<string, { schema: unknown }> } | undefined;
      assert.ok(response, `${method} ${path} documents no ${res.status} answer`);
      const resolved = response.$ref
        ? (doc.components.responses as Record<string, { content?: Record<string, { schema: unknown }> }>)[response.$ref.split('/').pop()!]!
        : response;
      const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      const content = resolved.content?.[mediaType];
      assert.ok(content, `${method} ${path} ${res.status} documents no ${mediaType} body (documented: ${Object.keys(resolved.content ?? {}).join(', ') || 'none'})`);
      if (!/json/.test(mediaType)) return;
      const check = ajv.compile({ ...(content.schema as object), components: doc.components });
      assert.ok(check(JSON.parse(res.text)), `${method} ${path} ${res.status}: ${ajv.errorsText(check.errors)}\n${res.text.slice(0, 500)}`);
    };
    before(() => {
      ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats.default(ajv);
    });

    it('answers a URL over 16 KB with 431 problem+json (Node refuses it before any route), documented', async () => {
      const res = await fetch(`${server.url}/v1/counts?url=${'%C3%A7'.repeat(3000)}`);
      assert.equal(res.status, 431);
      const answer = { status: res.status, headers: res.headers, text: await res.text() };
      assert.equal(JSON.parse(answer.text).code, 'request_too_large');
      conforms('get', '/v1/counts', answer);
      for (const path of ['/account/login', '/account/signup']) assert.ok(doc.paths[path]!.get!.responses['431'], `GET ${path} documents 431`);
    });

    it('documents problem+json for every error status, also where the error page is HTML (a page form\'s invalid field); the OAuth token endpoint\'s own errors only as RFC 6749 JSON', async () => {
      const res = await api.request('POST', '/account/signup', { body: { _csrf: 'x'.repeat(2001) } });
      assert.equal(res.status, 400);
      conforms('post', '/account/signup', res);
      const missing = operations().flatMap(({ path, method, operation }) => Object.entries(operation.responses)
        .filter(([status, response]) => Number(status) >= 400 && !('$ref' in response) && !response.content?.['application/problem+json'])
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`));
      assert.deepEqual(missing, ['POST /oauth/token 400', 'POST /oauth/token 401', 'POST /oauth/token 429']);
      for (const status of ['400', '401', '429']) {
        assert.deepEqual(Object.keys(doc.paths['/oauth/token']!.post!.responses[status]!.content ?? {}), ['application/json'], `POST /oauth/token ${status}`);
      }
    });

    it('documents the payouts CSV export beside the JSON list', async () => {
      const admin = await createAdmin(server, api);
      const res = await api.get('/v1/admin/payouts?format=csv', { token: admin.token });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/csv/);
      conforms('get', '/v1/admin/payouts', res);
      conforms('get', '/v1/admin/payouts', await api.get('/v1/admin/payouts', { token: admin.token }));
    });

    it('describes the widget strings as an object of strings', async () => {
      const res = await api.get('/widget/i18n/de.json');
      assert.equal(res.status, 200);
      conforms('get', '/widget/i18n/{lang}.json', res);
    });

    it('documents the OAuth token endpoint\'s RFC 6749 errors (application/json, not problem+json)', async () => {
      const res = await api.post('/oauth/token', { grant_type: 'authorization_code', client_id: 'no-such-client', code: 'x' });
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'invalid_client');
      conforms('post', '/oauth/token', res);
    });

    it('marks a request body optional when every field of it is (PATCH /v1/me without a body changes nothing and answers 200)', async () => {
      const reader = await signup(api);
      const res = await api.request('PATCH', '/v1/me', { token: reader.token });
      assert.equal(res.status, 200);
      const body = (operation: Operation) => (operation as Operation & { requestBody?: { required: boolean } }).requestBody;
      assert.equal(body(doc.paths['/v1/me']!.patch!)?.required, false);
      assert.equal(body(doc.paths['/v1/flattrs']!.post!)?.required, true);
    });

    it('documents the HTML page POST /oauth/authorize shows for an unknown client (found by fuzz-properties.test.ts)', async () => {
      const reader = await signup(api);
      const browser = new PageBrowser(server.url);
      await browser.logIn(reader.email, reader.password);
      const csrf = hiddenField((await browser.get('/account')).text, '_csrf');
      const res = await browser.postForm('/oauth/authorize', { _csrf: csrf, client_id: 'no-such-client', decision: 'approve' });
      assert.equal(res.status, 400);
      conforms('post', '/oauth/authorize', res);
    });

    it('documents every query field that ignores values it does not know (.catch) as accepting any value, on every route (the pages\' ?done notices)', () => {
      const lenient: string[] = [];
      for (const route of server.app.routes) {
        const shape = (route.query as unknown as { shape?: Record<string, { _zod: { def: { type: string } } }> } | undefined)?.shape ?? {};
        for (const [name, field] of Object.entries(shape)) {
          if (field._zod.def.type !== 'catch') continue;
          const parameter = doc.paths[toOpenApiPath(route.path)]![route.method]!.parameters!.find((p) => p.name === name) as unknown as { schema: Record<string, unknown> };
          lenient.push(`${route.method.toUpperCase()} ${route.path} ?${name}: ${JSON.stringify(parameter.schema)}`);
        }
      }
      assert.ok(lenient.length >= 3, `lenient query fields found: ${lenient.join('; ')}`);
      assert.deepEqual(lenient.filter((field) => /"enum"|"const"|"pattern"|"minLength"|"maxLength"/.test(field)), [], 'documented narrower than accepted');
    });

    it('documents /settings?done as any string: an unknown notice shows none instead of being refused', async () => {
      const done = doc.paths['/settings']!.get!.parameters!.find((p) => p.name === 'done') as unknown as { schema: { type: string; enum?: unknown } };
      assert.equal(done.schema.type, 'string');
      assert.equal(done.schema.enum, undefined);
    });
  });
});
