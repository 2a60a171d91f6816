import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ObjectId } from 'mongodb';
import addFormats from 'ajv-formats';
import { toOpenApiPath } from '../src/http/openapi.js';
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

  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) =>
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
});
