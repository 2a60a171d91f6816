import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

describe('GET /v1/counts', () => {
  let server: TestServer;
  let api: TestClient;
  let readers: TestUser[];
  before(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: 'https://app.example' } });
    api = testClient(server.url);
    readers = await Promise.all([signup(api), signup(api), signup(api)]);
  });
  after(async () => { await server.close(); });

  const countsOf = (urls: string[], headers: Record<string, string> = {}) =>
    api.get(`/v1/counts?${urls.map((u) => `url=${encodeURIComponent(u)}`).join('&')}`, { headers });

  it('answers unknown URLs with thingId null and count 0, keyed by the URL as sent', async () => {
    const res = await countsOf(['https://nothing.example/a', 'HTTPS://Nothing.example/b#x']);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { counts: {
      'https://nothing.example/a': { thingId: null, count: 0 },
      'HTTPS://Nothing.example/b#x': { thingId: null, count: 0 },
    } });
  });

  it('counts each thing\'s flattrs, whatever spelling each button uses', async () => {
    const a = await api.post('/v1/flattrs', { url: 'https://counted.example/a' }, { token: readers[0]!.token });
    await api.post('/v1/flattrs', { url: 'https://counted.example/a' }, { token: readers[1]!.token });
    const b = await api.post('/v1/flattrs', { url: 'https://counted.example/b' }, { token: readers[2]!.token });
    const sent = ['https://counted.example/a', 'https://COUNTED.example:443/a?utm_source=x', 'https://counted.example/b#top', 'https://counted.example/c'];
    const res = await countsOf(sent);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.counts, {
      'https://counted.example/a': { thingId: a.body.thingId, count: 2 },
      'https://COUNTED.example:443/a?utm_source=x': { thingId: a.body.thingId, count: 2 },
      'https://counted.example/b#top': { thingId: b.body.thingId, count: 1 },
      'https://counted.example/c': { thingId: null, count: 0 },
    });
  });

  it('counts a URL that cannot name a thing as 0 instead of failing the batch', async () => {
    const res = await countsOf(['https://counted.example/a', 'javascript:alert(1)', 'not a url']);
    assert.equal(res.status, 200);
    assert.equal(res.body.counts['https://counted.example/a'].count, 2);
    assert.deepEqual(res.body.counts['javascript:alert(1)'], { thingId: null, count: 0 });
    assert.deepEqual(res.body.counts['not a url'], { thingId: null, count: 0 });
  });

  it('is publicly cacheable for 30 seconds with a strong ETag', async () => {
    const res = await countsOf(['https://counted.example/a']);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
    assert.match(res.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]+"$/);
    const again = await countsOf(['https://counted.example/a']);
    assert.equal(again.headers.get('etag'), res.headers.get('etag'));
  });

  it('answers a matching If-None-Match with 304 and no body, and a changed count with a new ETag', async () => {
    const urls = ['https://counted.example/b'];
    const first = await countsOf(urls);
    const etag = first.headers.get('etag')!;
    const notModified = await countsOf(urls, { 'If-None-Match': etag });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
    assert.equal(notModified.headers.get('etag'), etag);
    assert.equal(notModified.headers.get('cache-control'), 'public, max-age=30');
    assert.equal((await countsOf(urls, { 'If-None-Match': `"other", W/${etag}` })).status, 304);

    await api.post('/v1/flattrs', { url: 'https://counted.example/b' }, { token: readers[0]!.token });
    const changed = await countsOf(urls, { 'If-None-Match': etag });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.counts['https://counted.example/b'].count, 2);
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  it('is readable from any origin, even when ALLOWED_ORIGINS is a list', async () => {
    const res = await countsOf(['https://counted.example/a'], { Origin: 'https://some-blog.example' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  it('takes 100 URLs and refuses 101 with 400 too_many_urls', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `https://many.example/${i}`);
    const ok = await countsOf(hundred);
    assert.equal(ok.status, 200);
    assert.equal(Object.keys(ok.body.counts).length, 100);
    const tooMany = await countsOf([...hundred, 'https://many.example/100']);
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.code, 'too_many_urls');
  });

  it('refuses a request without url with 400 validation_failed', async () => {
    const res = await api.get('/v1/counts');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'validation_failed');
    assert.equal((await api.get('/v1/counts?url=')).status, 200);
  });
});
