import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { shortCount, snippetsFor, xmlText } from '../src/badges/index.js';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

describe('GET /badge.svg', () => {
  let server: TestServer;
  let api: TestClient;
  let readers: TestUser[];
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    readers = await Promise.all([signup(api), signup(api), signup(api)]);
  });
  after(async () => { await server.close(); });

  const badge = (query: string, headers: Record<string, string> = {}) => api.get(`/badge.svg?${query}`, { headers });
  const titleOf = (svg: string) => /<title>([^<]*)<\/title>/.exec(svg)?.[1];
  const messageOf = (svg: string) => /<text class="mt"[^>]*>([^<]*)<\/text>/.exec(svg)?.[1];

  it('shows 0 for a URL nobody flattred yet, as an accessible image', async () => {
    const res = await badge(`url=${encodeURIComponent('https://badge.example/new')}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.match(res.text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*role="img" aria-label="Flattr this: 0 flattrs"/);
    assert.equal(titleOf(res.text), 'Flattr this: 0 flattrs');
    assert.equal(messageOf(res.text), '0');
  });

  it('counts the thing\'s flattrs whatever spelling of its URL the badge names, and says its title', async () => {
    for (const reader of readers.slice(0, 2)) {
      const res = await api.post('/v1/flattrs', { url: 'https://badge.example/post', title: 'My post' }, { token: reader.token });
      assert.equal(res.status, 201);
    }
    for (const spelling of ['https://badge.example/post', 'HTTPS://Badge.example:443/post?utm_source=x#top']) {
      const res = await badge(`url=${encodeURIComponent(spelling)}`);
      assert.equal(messageOf(res.text), '2');
      assert.equal(titleOf(res.text), 'Flattr “My post”: 2 flattrs');
    }
  });

  it('escapes a hostile title', async () => {
    const title = '</title><script>alert(1)</script> & "quoted" \'single\' end';
    const res0 = await api.post('/v1/flattrs', { url: 'https://badge.example/hostile', title }, { token: readers[0]!.token });
    assert.equal(res0.status, 201, res0.text);
    const res = await badge(`url=${encodeURIComponent('https://badge.example/hostile')}`);
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /<script/);
    assert.equal(titleOf(res.text), 'Flattr “&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;single&#39; end”: 1 flattr');
    assert.match(res.text, /aria-label="Flattr “&lt;\/title&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quoted&quot;/);
    // Every `&` starts an entity: nothing unescaped is left anywhere in the document.
    assert.doesNotMatch(res.text, /&(?!(amp|lt|gt|quot|#39);)/);
  });

  it('drops characters XML cannot hold from a title stored before the API refused control characters', async () => {
    // The API refuses them now (input-refusal.test.ts); a database written by an older version may still hold them.
    await server.db.collection('things').insertOne({
      url: 'https://badge.example/legacy', host: 'badge.example', title: 'old\u0007bell\u0000', tags: [], ownerId: null,
      claimedCreator: null, flattrCount: 0, createdAt: new Date(),
    });
    const res = await badge(`url=${encodeURIComponent('https://badge.example/legacy')}`);
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assert.equal(titleOf(res.text), 'Flattr “oldbell”: 0 flattrs');
  });

  it('has a light (default), a dark and an auto palette; auto switches inside the image with prefers-color-scheme', async () => {
    const url = `url=${encodeURIComponent('https://badge.example/post')}`;
    const light = (await badge(url)).text;
    const dark = (await badge(`${url}&theme=dark`)).text;
    const auto = (await badge(`${url}&theme=auto`)).text;
    assert.match(light, /\.l\{fill:#1e6b34\}/);
    assert.doesNotMatch(light, /prefers-color-scheme|#7ed396/);
    assert.match(dark, /\.l\{fill:#7ed396\}/);
    assert.doesNotMatch(dark, /prefers-color-scheme|#1e6b34/);
    assert.match(auto, /\.l\{fill:#1e6b34\}.*@media \(prefers-color-scheme:dark\)\{\.l\{fill:#7ed396\}/);
    assert.equal((await badge(`${url}&theme=light`)).text, light);
  });

  it('is cacheable: public for 5 minutes, a strong ETag, 304 on If-None-Match, a new ETag when the count moves', async () => {
    const url = `url=${encodeURIComponent('https://badge.example/etag')}`;
    const first = await badge(url);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=300');
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const again = await badge(url, { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal(again.headers.get('etag'), etag);
    assert.equal((await badge(url, { 'If-None-Match': `W/${etag}` })).status, 304, 'weak comparison, as RFC 9110 says');
    await api.post('/v1/flattrs', { url: 'https://badge.example/etag' }, { token: readers[2]!.token });
    const moved = await badge(url, { 'If-None-Match': etag });
    assert.equal(moved.status, 200);
    assert.notEqual(moved.headers.get('etag'), etag);
    assert.equal(messageOf(moved.text), '1');
    assert.notEqual((await badge(`${url}&theme=dark`)).headers.get('etag'), moved.headers.get('etag'), 'each theme is its own representation');
  });

  it('can be shown by any site and runs nothing when opened on its own', async () => {
    const res = await badge(`url=${encodeURIComponent('https://badge.example/post')}`);
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'none'; style-src 'unsafe-inline'/);
  });

  it('shows a creator\'s flattrs over every thing they own, and nothing for things only claimed in their name', async () => {
    const creator = await signup(api);
    const creatorId = (await api.get('/v1/me', { token: creator.token })).body.id as string;
    for (const [i, path] of ['/a', '/b', '/claimed'].entries()) {
      await api.post('/v1/flattrs', { url: `https://creator-badge.example${path}`, creator: creatorId }, { token: readers[i]!.token });
    }
    await api.post('/v1/flattrs', { url: 'https://creator-badge.example/a' }, { token: readers[1]!.token });
    // Ownership as site verification leaves it (tests/sites.test.ts covers the verification itself).
    await server.db.collection('things').updateMany(
      { url: { $in: ['https://creator-badge.example/a', 'https://creator-badge.example/b'] } },
      { $set: { ownerId: ObjectId.createFromHexString(creatorId) } },
    );
    const res = await badge(`creator=${creatorId}&theme=auto`);
    assert.equal(res.status, 200);
    assert.equal(messageOf(res.text), '3');
    assert.equal(titleOf(res.text), 'Flattr this creator: 3 flattrs');
    const nobody = await signup(api);
    const zero = await badge(`creator=${(await api.get('/v1/me', { token: nobody.token })).body.id}`);
    assert.equal(messageOf(zero.text), '0');
  });

  it('answers bad input with a problem, never an image or a 500', async () => {
    const cases: Array<[string, number, string]> = [
      ['', 400, 'validation_failed'],
      [`url=${encodeURIComponent('https://badge.example/post')}&creator=0123456789abcdef01234567`, 400, 'validation_failed'],
      [`url=${encodeURIComponent('javascript:alert(1)')}`, 400, 'invalid_url'],
      ['url=not%20a%20url', 400, 'invalid_url'],
      ['url=https%3A%2F%2Fa.example%2F&url=https%3A%2F%2Fb.example%2F', 400, 'validation_failed'],
      [`url=${encodeURIComponent('https://badge.example/post')}&theme=pink`, 400, 'validation_failed'],
      ['creator=alice', 400, 'validation_failed'],
      ['creator=0123456789abcdef01234567', 404, 'creator_not_found'],
      [`url=${'x'.repeat(5000)}`, 400, 'validation_failed'],
    ];
    for (const [query, status, code] of cases) {
      const res = await badge(query);
      assert.equal(res.status, status, query.slice(0, 80));
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(res.body.code, code, query.slice(0, 80));
    }
  });
});

describe('badge text', () => {
  it('shortens counts without ever rounding up', () => {
    assert.deepEqual([0, 1, 999, 1234, 9999, 10_000, 12_399, 99_999, 100_000, 999_999, 1_000_000, 1_299_999, 123_456_789].map(shortCount),
      ['0', '1', '999', '1,234', '9,999', '10.0k', '12.3k', '99.9k', '100k', '999k', '1.0M', '1.2M', '123M']);
  });

  it('escapes for XML and drops what XML 1.0 cannot hold, keeping other scripts and emoji', () => {
    assert.equal(xmlText('a<b>&"\'\u0000\u001f\uffff\ud800 ok ✓ 🙂 日本'), 'a&lt;b&gt;&amp;&quot;&#39; ok ✓ 🙂 日本');
  });
});

describe('snippetsFor', () => {
  it('pairs the badge with the thing\'s page, and gives the plain flattr link, escaped for Markdown and HTML', () => {
    const s = snippetsFor('https://flattr.example/', { url: 'https://blog.example/a (b)?x=1&y="2"', title: 'Brackets ] and [ <b>' }, { theme: 'auto' });
    // URLSearchParams encodes everything that could end a Markdown destination or an HTML attribute.
    const url = 'https%3A%2F%2Fblog.example%2Fa+%28b%29%3Fx%3D1%26y%3D%222%22';
    assert.equal(s.badgeUrl, `https://flattr.example/badge.svg?url=${url}&theme=auto`);
    assert.equal(s.pageUrl, `https://flattr.example/things?url=${url}`);
    assert.equal(s.flattrUrl, `https://flattr.example/flattr?url=${url}&title=Brackets+%5D+and+%5B+%3Cb%3E`);
    assert.equal(s.markdown, `[![Flattr “Brackets \\] and \\[ <b>”](${s.badgeUrl})](${s.pageUrl})`);
    assert.equal(s.html, `<a href="${s.pageUrl}"><img src="${s.badgeUrl.replace('&', '&amp;')}" alt="Flattr “Brackets ] and [ &lt;b&gt;”" height="20"></a>`);
    assert.equal(s.linkHtml, `<a rel="payment" href="${s.flattrUrl!.replace(/&/g, '&amp;')}">Flattr “Brackets ] and [ &lt;b&gt;”</a>`);
    assert.equal(s.linkMarkdown, `[Flattr “Brackets \\] and \\[ <b>”](${s.flattrUrl})`);
  });

  it('links a creator\'s badge to their page; the light theme is the default and not spelled out', () => {
    const s = snippetsFor('https://flattr.example', { creatorId: '0123456789abcdef01234567' });
    assert.equal(s.badgeUrl, 'https://flattr.example/badge.svg?creator=0123456789abcdef01234567');
    assert.equal(s.html, '<a href="https://flattr.example/creators/0123456789abcdef01234567"><img src="https://flattr.example/badge.svg?creator=0123456789abcdef01234567" alt="Flattr this creator" height="20"></a>');
    assert.equal(s.flattrUrl, undefined);
  });
});
