import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delay, http, HttpResponse } from 'msw';
import { FlattrError } from '../../src/index.js';
import { parseRetryAfter } from '../../src/errors.js';
import { backoffDelay, defaultRetryPolicy } from '../../src/http/backoff.js';
import { API, flattr, mockApi, problem, recordRequests, testClient, user } from './setup.js';

const server = mockApi();
const seen = recordRequests(server);

/** Answers with `failures` in order, then `success`. */
function sequence(failures: Array<() => Response>, success: () => Response) {
  let i = 0;
  return () => (i < failures.length ? failures[i++]!() : success());
}

describe('retries', () => {
  it('retries a GET after 503 and 429 and returns the eventual answer', async () => {
    server.use(http.get(`${API}/v1/me`, sequence([() => problem(503, 'unavailable'), () => problem(429, 'rate_limited')], () => HttpResponse.json(user))));
    seen.length = 0;
    const retries: number[] = [];
    const client = testClient({ token: 't' });
    client.on('retry', ({ attempt }) => retries.push(attempt));
    assert.equal((await client.me.get()).id, user.id);
    assert.equal(seen.length, 3);
    assert.deepEqual(retries, [1, 2]);
  });

  it('retries network errors on GET', async () => {
    server.use(http.get(`${API}/v1/me`, sequence([() => HttpResponse.error()], () => HttpResponse.json(user))));
    seen.length = 0;
    assert.equal((await testClient({ token: 't' }).me.get()).id, user.id);
    assert.equal(seen.length, 2);
  });

  it('gives up after `retries` extra attempts with the last error', async () => {
    server.use(http.get(`${API}/v1/me`, () => problem(503, 'unavailable', 'down for maintenance')));
    seen.length = 0;
    await assert.rejects(testClient({ token: 't', retries: { retries: 3, baseMs: 1, maxMs: 2 } }).me.get(),
      (e: FlattrError) => e.status === 503 && e.code === 'unavailable' && e.detail === 'down for maintenance');
    assert.equal(seen.length, 4);
  });

  it('does not retry other statuses (500, 400)', async () => {
    server.use(http.get(`${API}/v1/me`, () => problem(500, 'internal_error')));
    seen.length = 0;
    await assert.rejects(testClient({ token: 't' }).me.get(), { code: 'internal_error' });
    assert.equal(seen.length, 1);
  });

  it('does not retry unsafe methods (PATCH /v1/me) on 503', async () => {
    server.use(http.patch(`${API}/v1/me`, () => problem(503, 'unavailable')));
    seen.length = 0;
    await assert.rejects(testClient({ token: 't' }).me.update({ budget: 1 }), { status: 503 });
    assert.equal(seen.length, 1);
  });

  it('retries flattr creation, reusing one Idempotency-Key for every attempt', async () => {
    server.use(http.post(`${API}/v1/flattrs`, sequence(
      [() => problem(503, 'unavailable'), () => HttpResponse.error()],
      () => HttpResponse.json(flattr, { status: 201 }),
    )));
    seen.length = 0;
    const result = await testClient({ token: 't' }).flattrs.create({ url: 'https://blog.example/a' });
    assert.equal(result.status, 201);
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    assert.equal(keys.length, 3);
    assert.ok(keys[0]);
    assert.deepEqual(new Set(keys).size, 1);
  });

  it('honours Retry-After in seconds', async () => {
    server.use(http.get(`${API}/v1/me`, sequence([() => problem(429, 'rate_limited', 'slow down', { 'retry-after': '1' })], () => HttpResponse.json(user))));
    const delays: number[] = [];
    const client = testClient({ token: 't' });
    client.on('retry', ({ delayMs }) => delays.push(delayMs));
    await client.me.get();
    assert.deepEqual(delays, [1000]);
  });

  it('does not wait for a Retry-After longer than maxRetryAfterMs: throws with retryAfter', async () => {
    server.use(http.get(`${API}/v1/me`, () => problem(429, 'rate_limited', 'slow down', { 'retry-after': '120' })));
    seen.length = 0;
    await assert.rejects(testClient({ token: 't' }).me.get(), (e: FlattrError) => e.retryAfter === 120 && e.status === 429);
    assert.equal(seen.length, 1);
  });

  it('does not wait past the call deadline: throws the real error at once', async () => {
    server.use(http.get(`${API}/v1/me`, () => problem(503, 'unavailable', 'x', { 'retry-after': '30' })));
    seen.length = 0;
    await assert.rejects(testClient({ token: 't', timeoutMs: 5_000 }).me.get(), { code: 'unavailable', retryAfter: 30 });
    assert.equal(seen.length, 1);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toUTCString();
    server.use(http.get(`${API}/v1/me`, sequence([() => problem(503, 'unavailable', 'x', { 'retry-after': at })], () => HttpResponse.json(user))));
    const delays: number[] = [];
    const client = testClient({ token: 't' });
    client.on('retry', ({ delayMs }) => delays.push(delayMs));
    await client.me.get();
    assert.equal(delays.length, 1);
    assert.ok(delays[0]! >= 1000 && delays[0]! <= 2000, `waited ${delays[0]} ms`);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { ...defaultRetryPolicy, baseMs: 100, maxMs: 1000 };
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(policy, a, () => 0.999999)), [99, 199, 399, 799, 999, 999]);
    assert.deepEqual([0, 3].map((a) => backoffDelay(policy, a, () => 0)), [0, 0]);
    assert.equal(backoffDelay(policy, 2, () => 0.5), 200);
  });
});

describe('abort and timeout', () => {
  it('an already-aborted signal rejects without a request', async () => {
    seen.length = 0;
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(testClient({ token: 't' }).me.get({ signal: controller.signal }), { name: 'FlattrError', code: 'aborted', status: 0 });
    assert.equal(seen.length, 0);
  });

  it('aborting in flight rejects with code aborted', async () => {
    server.use(http.get(`${API}/v1/me`, async () => { await delay(10_000); return HttpResponse.json(user); }));
    const controller = new AbortController();
    const call = testClient({ token: 't' }).me.get({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(call, { code: 'aborted', status: 0 });
  });

  // A wait of 30 s that the abort must cut short; the test's own timeout catches a wait that is not.
  it('aborting during a backoff wait stops the retries', { timeout: 10_000 }, async () => {
    server.use(http.get(`${API}/v1/me`, () => problem(503, 'unavailable', 'x', { 'retry-after': '30' })));
    seen.length = 0;
    const controller = new AbortController();
    const client = testClient({ token: 't' });
    client.on('retry', () => controller.abort());
    await assert.rejects(client.me.get({ signal: controller.signal }), { code: 'aborted' });
    assert.equal(seen.length, 1);
  });

  it('a slow answer ends with code timeout after timeoutMs', async () => {
    server.use(http.get(`${API}/v1/me`, async () => { await delay(10_000); return HttpResponse.json(user); }));
    await assert.rejects(testClient({ token: 't', timeoutMs: 50 }).me.get(), (e: FlattrError) =>
      e instanceof FlattrError && e.code === 'timeout' && e.status === 0 && e.request?.url === `${API}/v1/me`);
  });

  it('the per-call timeout overrides the client one', async () => {
    server.use(http.get(`${API}/v1/me`, async () => { await delay(10_000); return HttpResponse.json(user); }));
    await assert.rejects(testClient({ token: 't' }).me.get({ timeoutMs: 30 }), { code: 'timeout' });
  });
});
