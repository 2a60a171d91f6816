import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { http, HttpResponse } from 'msw';
import { createCountsBatcher } from '../../src/lite.js';
import { API, mockApi, problem, recordRequests, testClient } from './setup.js';

const server = mockApi();
const seen = recordRequests(server);
const urlsOf = (request: Request) => new URL(request.url).searchParams.getAll('url');

/** Answers every URL asked with a count equal to its length, so answers are checkable. */
function countsHandler() {
  return http.get(`${API}/v1/counts`, ({ request }) => {
    const urls = urlsOf(request);
    return HttpResponse.json({ counts: Object.fromEntries(urls.map((u) => [u, { thingId: `t:${u}`, count: u.length }])) });
  });
}

const page = (i: number) => `https://blog.example/post-${i}`;

describe('counts batching', () => {
  it('coalesces 20 calls made in one tick into one request', async () => {
    server.use(countsHandler());
    seen.length = 0;
    const client = testClient();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.counts.get(page(i))));
    assert.equal(seen.length, 1);
    assert.deepEqual(urlsOf(seen[0]!), Array.from({ length: 20 }, (_, i) => page(i)));
    assert.deepEqual(answers[3], { thingId: `t:${page(3)}`, count: page(3).length });
  });

  it('splits 250 URLs into 3 requests of at most 100', async () => {
    server.use(countsHandler());
    seen.length = 0;
    const answers = await testClient().counts.getMany(Array.from({ length: 250 }, (_, i) => page(i)));
    assert.deepEqual(seen.map((r) => urlsOf(r).length), [100, 100, 50]);
    assert.equal(Object.keys(answers).length, 250);
    assert.equal(answers[page(249)]?.count, page(249).length);
  });

  it('identical URLs share one promise and one slot in the request', async () => {
    server.use(countsHandler());
    seen.length = 0;
    const batcher = createCountsBatcher({ baseUrl: API });
    const a = batcher.get(page(1));
    const b = batcher.get(page(1));
    assert.equal(a, b);
    await a;
    assert.deepEqual(urlsOf(seen[0]!), [page(1)]);
  });

  it('caches answers for cacheMs, then asks again', async () => {
    server.use(countsHandler());
    seen.length = 0;
    const batcher = createCountsBatcher({ baseUrl: API, cacheMs: 30 });
    await batcher.get(page(1));
    await batcher.get(page(1));
    assert.equal(seen.length, 1);
    await new Promise((r) => setTimeout(r, 40));
    await batcher.get(page(1));
    assert.equal(seen.length, 2);
  });

  it('clear() forgets answers', async () => {
    server.use(countsHandler());
    seen.length = 0;
    const batcher = createCountsBatcher({ baseUrl: API });
    await batcher.get(page(1));
    batcher.clear();
    await batcher.get(page(1));
    assert.equal(seen.length, 2);
  });

  it('an unknown URL counts 0 with no thing', async () => {
    server.use(http.get(`${API}/v1/counts`, () => HttpResponse.json({ counts: {} })));
    assert.deepEqual(await createCountsBatcher({ baseUrl: API }).get(page(1)), { thingId: null, count: 0 });
  });

  it('a failed batch rejects its callers with FlattrError and is not cached', async () => {
    let fail = true;
    server.use(http.get(`${API}/v1/counts`, ({ request }) => {
      if (fail) return problem(400, 'validation_failed', 'too many');
      return HttpResponse.json({ counts: Object.fromEntries(urlsOf(request).map((u) => [u, { thingId: null, count: 1 }])) });
    }));
    const batcher = createCountsBatcher({ baseUrl: API });
    await assert.rejects(batcher.get(page(1)), { name: 'FlattrError', status: 400, code: 'validation_failed' });
    fail = false;
    assert.deepEqual(await batcher.get(page(1)), { thingId: null, count: 1 });
  });

  it('aborting one caller rejects only that caller', async () => {
    server.use(countsHandler());
    const batcher = createCountsBatcher({ baseUrl: API });
    const controller = new AbortController();
    const aborted = batcher.get(page(1), { signal: controller.signal });
    const other = batcher.get(page(1));
    controller.abort();
    await assert.rejects(aborted, { code: 'aborted' });
    assert.equal((await other).count, page(1).length);
  });

  it('FlattrClient counts are retried like any GET (503, then the answer)', async () => {
    let first = true;
    server.use(http.get(`${API}/v1/counts`, ({ request }) => {
      if (first) { first = false; return problem(503, 'unavailable'); }
      return HttpResponse.json({ counts: Object.fromEntries(urlsOf(request).map((u) => [u, { thingId: null, count: 2 }])) });
    }));
    seen.length = 0;
    assert.equal((await testClient().counts.get(page(1))).count, 2);
    assert.equal(seen.length, 2);
  });

  it('a flattr through the client clears the cached counts', async () => {
    let count = 1;
    server.use(
      http.get(`${API}/v1/counts`, ({ request }) => HttpResponse.json({ counts: { [urlsOf(request)[0]!]: { thingId: 't', count } } })),
      http.post(`${API}/v1/flattrs`, () => { count += 1; return HttpResponse.json({ id: 'f' }, { status: 201 }); }),
    );
    const client = testClient({ token: 't' });
    assert.equal((await client.counts.get(page(1))).count, 1);
    await client.flattrs.create({ url: page(1) });
    assert.equal((await client.counts.get(page(1))).count, 2);
  });
});

describe('lite-core (the widget\'s smaller entry)', () => {
  it('batches like lite and fails with plain Errors carrying status, code and detail', async () => {
    const core = await import('../../src/lite-core.js');
    server.use(http.get(`${API}/v1/counts`, () => problem(503, 'unavailable', 'later')));
    seen.length = 0;
    const batcher = core.createCountsBatcher({ baseUrl: API });
    const calls = [batcher.get(page(1)), batcher.get(page(2))];
    for (const call of calls) {
      await assert.rejects(call, (e: Error & { status: number; code: string; detail?: string }) =>
        e.name === 'Error' && e.status === 503 && e.code === 'unavailable' && e.detail === 'later');
    }
    assert.equal(seen.length, 1);
  });

  it('createFlattr sends the token, and an Idempotency-Key only when the caller gives one (nothing here retries)', async () => {
    const core = await import('../../src/lite-core.js');
    server.use(http.post(`${API}/v1/flattrs`, () => HttpResponse.json({ id: 'f' }, { status: 201 })));
    seen.length = 0;
    const { status } = await core.createFlattr({ baseUrl: API, token: 'fsite_t' }, { url: page(1) });
    assert.equal(status, 201);
    assert.equal(seen[0]!.headers.get('authorization'), 'Bearer fsite_t');
    assert.equal(seen[0]!.headers.get('idempotency-key'), null);
    await core.createFlattr({ baseUrl: API, token: 'fsite_t', idempotencyKey: 'mine-1' }, { url: page(1) });
    assert.equal(seen[1]!.headers.get('idempotency-key'), 'mine-1');
  });

  it('fails the same way when no answer came: status 0, code network_error, the cause kept', async () => {
    const core = await import('../../src/lite-core.js');
    server.use(http.get(`${API}/v1/counts`, () => HttpResponse.error()), http.post(`${API}/v1/flattrs`, () => HttpResponse.error()));
    for (const call of [() => core.createCountsBatcher({ baseUrl: API }).get(page(1)), () => core.createFlattr({ baseUrl: API, token: 't' }, { url: page(1) })]) {
      await assert.rejects(call(), (e: Error & { status: number; code: string }) =>
        e.name === 'Error' && e.status === 0 && e.code === 'network_error' && e.cause instanceof Error);
    }
  });
});

describe('lite: one error path', () => {
  it('every failure is a FlattrError: an error answer, no answer at all, an abort', async () => {
    const lite = await import('../../src/lite.js');
    server.use(http.get(`${API}/v1/counts`, ({ request }) => (new URL(request.url).searchParams.get('url') === page(1)
      ? problem(503, 'unavailable', 'later')
      : HttpResponse.error())));
    const batcher = lite.createCountsBatcher({ baseUrl: API });
    await assert.rejects(batcher.get(page(1)), (e: unknown) => e instanceof lite.FlattrError && e.status === 503 && e.code === 'unavailable');
    await new Promise((r) => setTimeout(r, 1));
    await assert.rejects(batcher.get(page(2)), (e: unknown) => e instanceof lite.FlattrError && e.status === 0 && e.code === 'network_error');
    server.use(http.post(`${API}/v1/flattrs`, () => HttpResponse.error()));
    await assert.rejects(lite.createFlattr({ baseUrl: API, token: 't' }, { url: page(1) }),
      (e: unknown) => e instanceof lite.FlattrError && e.code === 'network_error');
    const abort = new AbortController();
    server.use(http.get(`${API}/v1/counts`, () => new Promise(() => {})));
    const pending = batcher.get(page(3), { signal: abort.signal });
    abort.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof lite.FlattrError && e.code === 'aborted');
  });
});
