import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

describe('health and errors', () => {
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  it('answers /healthz with the database reachable', async () => {
    const res = await api.get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', database: 'ok' });
  });

  it('answers an unknown route with problem+json 404', async () => {
    const res = await api.get('/v1/nope');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(res.body.code, 'route_not_found');
    assert.equal(res.body.status, 404);
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await api.request('POST', '/v1/nope', { rawBody: '{oops', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'malformed_json');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await api.post('/v1/nope', { x: 'a'.repeat(200_000) });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'body_too_large');
  });

  it('serves an OpenAPI 3.1 document', async () => {
    const res = await api.get('/v1/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    assert.ok(res.body.paths['/healthz'].get);
  });
});
