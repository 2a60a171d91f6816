import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { http, HttpResponse } from 'msw';
import { FlattrError } from '../../src/index.js';
import { API, mockApi, problem, testClient } from './setup.js';

const server = mockApi();

async function failure(respond: () => Response, call: (c: ReturnType<typeof testClient>) => Promise<unknown> = (c) => c.me.get()): Promise<FlattrError> {
  server.use(http.all(`${API}/*`, respond));
  try {
    await call(testClient({ token: 'fpat_secret', retries: 0 }));
  } catch (error) {
    assert.ok(error instanceof FlattrError, `expected FlattrError, got ${error}`);
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('errors', () => {
  for (const [status, code] of [
    [400, 'validation_failed'], [401, 'invalid_token'], [403, 'insufficient_scope'], [403, 'origin_mismatch'],
    [404, 'thing_not_found'], [409, 'idempotency_key_reused'], [409, 'period_distributed'], [422, 'own_thing'],
    [429, 'rate_limited'], [500, 'internal_error'], [503, 'database_unreachable'],
  ] as const) {
    it(`maps ${status} ${code} to FlattrError with the server's code and detail`, async () => {
      const e = await failure(() => problem(status, code, `because ${code}`));
      assert.equal(e.name, 'FlattrError');
      assert.equal(e.status, status);
      assert.equal(e.code, code);
      assert.equal(e.detail, `because ${code}`);
      assert.match(e.message, new RegExp(`^${status} ${code}: because ${code}$`));
    });
  }

  it('keeps the whole problem document (validation errors)', async () => {
    const e = await failure(() => Response.json(
      { type: 'x', title: 'Bad Request', status: 400, code: 'validation_failed', detail: 'Invalid body', errors: [{ path: 'budget', message: 'too big' }] },
      { status: 400, headers: { 'content-type': 'application/problem+json' } },
    ));
    assert.deepEqual(e.problem?.errors, [{ path: 'budget', message: 'too big' }]);
  });

  it('maps an OAuth token endpoint error ({error, error_description})', async () => {
    const e = await failure(() => Response.json({ error: 'invalid_grant', error_description: 'The code was used' }, { status: 400 }));
    assert.deepEqual([e.status, e.code, e.detail], [400, 'invalid_grant', 'The code was used']);
  });

  it('a non-JSON error body gives code http_<status>', async () => {
    const e = await failure(() => new HttpResponse('<html>Bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    assert.deepEqual([e.status, e.code, e.detail], [502, 'http_502', undefined]);
  });

  it('a network failure is status 0, code network_error, with the cause', async () => {
    const e = await failure(() => HttpResponse.error());
    assert.equal(e.status, 0);
    assert.equal(e.code, 'network_error');
    assert.ok(e.cause instanceof Error);
  });

  it('a 2xx answer that is not JSON is invalid_response', async () => {
    const e = await failure(() => new HttpResponse('{"oops', { status: 200, headers: { 'content-type': 'application/json' } }));
    assert.deepEqual([e.status, e.code], [200, 'invalid_response']);
  });

  it('records the request with the Authorization header redacted', async () => {
    const e = await failure(() => problem(404, 'thing_not_found'), (c) => c.things.register({ url: 'https://a.example/', title: 'A' }));
    assert.equal(e.request?.method, 'POST');
    assert.equal(e.request?.url, `${API}/v1/things`);
    assert.equal(e.request?.headers.authorization, 'Bearer [REDACTED]');
    assert.ok(!JSON.stringify(e).includes('fpat_secret'));
    assert.ok(!JSON.stringify(e.request).includes('fpat_secret'));
  });

  it('reads Retry-After into retryAfter', async () => {
    const e = await failure(() => problem(503, 'unavailable', 'x', { 'retry-after': '120' }));
    assert.equal(e.retryAfter, 120);
  });

  it('emits every final failure as an `error` event', async () => {
    server.use(http.all(`${API}/*`, () => problem(404, 'thing_not_found')));
    const client = testClient({ retries: 0 });
    const events: FlattrError[] = [];
    const off = client.on('error', (e) => events.push(e));
    await assert.rejects(client.things.get('x'));
    off();
    await assert.rejects(client.things.get('y'));
    assert.deepEqual(events.map((e) => e.code), ['thing_not_found']);
  });
});
