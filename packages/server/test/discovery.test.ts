import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startBlogServer, type BlogServer } from '../../../examples/blog/serve.mjs';
import { DEMO_POSTS } from '../src/demo/index.js';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

/** A site with feeds and pages of every kind, served on loopback: path → [content type, body(service URL)]. */
function feedSite(routes: Record<string, [string, (api: string) => string]>, api: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': route[0] }).end(route[1](api()));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
  })));
}

const link = (api: string, fields: Record<string, string>) => `${api}/flattr?${new URLSearchParams(fields)}`.replace(/&/g, '&amp;');

const ROUTES: Record<string, [string, (api: string) => string]> = {
  '/feed.atom': ['application/atom+xml', (api) => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>A blog</title>
  <link href="https://blog.example/"/>
  <link rel="payment" href="${link(api, { url: 'https://blog.example/', title: 'The whole blog' })}"/>
  <entry>
    <title type="html">First &amp; best</title>
    <link rel="alternate" href="https://blog.example/first"/>
    <link rel="payment" href="${link(api, { url: 'https://blog.example/first', title: 'First & best', creator: 'ada' })}"/>
  </entry>
  <entry>
    <title>No url in the link: the entry's own</title>
    <link href="https://blog.example/second"/>
    <link rel="payment" href="${api}/flattr"/>
  </entry>
  <entry>
    <title>Paid elsewhere</title>
    <link href="https://blog.example/third"/>
    <link rel="payment" href="https://liberapay.example/robin/donate"/>
    <link rel="payment" href="${api}/somewhere-else?url=https%3A%2F%2Fblog.example%2Fthird"/>
  </entry>
  <entry>
    <title>Same thing twice</title>
    <link href="https://blog.example/first"/>
    <link rel="payment" href="${link(api, { url: 'HTTPS://Blog.example/first#again' })}"/>
  </entry>
</feed>`],
  '/podcast.rss': ['application/rss+xml; charset=utf-8', (api) => `<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:pi="https://podcastindex.org/namespace/1.0" xmlns:fake="https://fake.example/ns">
<channel>
  <title>A podcast</title>
  <link>https://pod.example/</link>
  <podcast:funding url="${link(api, { url: 'https://pod.example/', title: 'The show' })}">Support the show</podcast:funding>
  <image><title>not an item title</title><url>https://pod.example/art.png</url></image>
  <item>
    <title>Episode 1</title>
    <link>https://pod.example/1</link>
    <atom:link rel="payment" href="${link(api, { url: 'https://pod.example/1' })}"/>
  </item>
  <item>
    <title>Episode 2</title>
    <link>https://pod.example/2</link>
    <pi:funding url="${link(api, { url: 'https://pod.example/2', title: 'Episode two' })}">Flattr</pi:funding>
  </item>
  <item>
    <title>Episode 3</title>
    <link>https://pod.example/3</link>
    <fake:funding url="${link(api, { url: 'https://pod.example/3' })}">not the podcast namespace</fake:funding>
    <link rel="payment" href="${link(api, { url: 'https://pod.example/3' })}"/>
  </item>
</channel>
</rss>`],
  '/post.html': ['text/html; charset=utf-8', (api) => `<!doctype html><html><head>
<title>A post
  on a page</title>
<base href="https://blog.example/posts/">
<link rel="canonical" href="post-42">
<link rel="Payment" href="${link(api, { creator: 'ada' })}">
</head><body><p>Text</p>
<a rel="nofollow payment" href="${link(api, { url: 'https://blog.example/posts/other', title: 'Other' })}">Flattr the other</a>
<a rel="payment" href="https://liberapay.example/x">elsewhere</a>
</body></html>`],
  '/broken.rss': ['text/xml', (api) => `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Tom & Jerry</title><link>https://broken.example/</link>
<item><title>Unescaped & unclosed<link>https://broken.example/1</link>
<atom:link rel="payment" href="${api}/flattr?url=https%3A%2F%2Fbroken.example%2F1&title=One"></item>`],
  // Titles and creators as feeds in the wild carry them: C1 and DEL (legal in XML 1.0), tabs and line breaks,
  // control characters percent-encoded in a link's query, and a title whose cut at 300 would split an emoji.
  '/dirty.rss': ['application/rss+xml', (api) => `<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Dirty</title><link>https://dirty.example/</link>
<item><title>Bell&#x85;and&#x7F;del\tand
  break</title><link>https://dirty.example/1</link><atom:link rel="payment" href="${api}/flattr"/></item>
<item><title>x</title><link>https://dirty.example/2</link><atom:link rel="payment" href="${api}/flattr?url=https%3A%2F%2Fdirty.example%2F2&amp;title=Nul%00in%1Bthe%0Alink&amp;creator=%09ada%C2%9B"/></item>
<item><title>${'a'.repeat(299)}\u{1F600}</title><link>https://dirty.example/3</link><atom:link rel="payment" href="${api}/flattr"/></item>
</channel></rss>`],
  '/untyped': ['application/octet-stream', (api) => `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://untyped.example/1"/><link rel="payment" href="${api}/flattr"/></entry></feed>`],
  '/image.png': ['image/png', () => '\u0089PNG\r\n'],
};

describe('POST /v1/things/discover: rel="payment" and podcast:funding in pages and feeds', () => {
  let server: TestServer;
  let api: TestClient;
  let reader: TestUser;
  let site: { url: string; close(): Promise<void> };
  let blog: BlogServer;

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    reader = await signup(api);
    site = await feedSite(ROUTES, () => server.url);
    blog = await startBlogServer({ api: server.url });
  });
  after(async () => {
    await site?.close();
    await blog?.close();
    await server?.close();
  });

  const discover = (url: string, token = reader.token) => api.post('/v1/things/discover', { url }, { token });
  const summary = (things: Array<Record<string, unknown>>) => things.map((t) => [t.url, t.title ?? null, t.creator ?? null, t.source]);

  it('reads an Atom feed: entry and feed payment links that point here, the entry\'s link when the payment link has no url, once per thing', async () => {
    const res = await discover(`${site.url}/feed.atom`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.kind, 'feed');
    assert.equal(res.body.url, `${site.url}/feed.atom`);
    assert.equal(res.body.truncated, false);
    assert.deepEqual(summary(res.body.things), [
      ['https://blog.example/', 'The whole blog', null, 'atom-link'],
      ['https://blog.example/first', 'First & best', 'ada', 'atom-link'],
      ['https://blog.example/second', 'No url in the link: the entry\'s own', null, 'atom-link'],
    ]);
    assert.equal(res.body.things[1].flattrUrl, `${server.url}/flattr?url=https%3A%2F%2Fblog.example%2Ffirst&title=First+%26+best&creator=ada`);
  });

  it('reads a podcast feed: <atom:link rel="payment"> and <podcast:funding> (any prefix bound to its namespace), channel and items', async () => {
    const res = await discover(`${site.url}/podcast.rss`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(summary(res.body.things), [
      ['https://pod.example/', 'The show', null, 'podcast-funding'],
      ['https://pod.example/1', 'Episode 1', null, 'atom-link'],
      ['https://pod.example/2', 'Episode two', null, 'podcast-funding'],
    ]);
  });

  it('reads a page: <link rel=payment> stands for the page (its canonical URL and title), <a rel=payment> for what it names', async () => {
    const res = await discover(`${site.url}/post.html`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.kind, 'html');
    assert.deepEqual(summary(res.body.things), [
      ['https://blog.example/posts/post-42', 'A post on a page', 'ada', 'html-link'],
      ['https://blog.example/posts/other', 'Other', null, 'html-link'],
    ]);
  });

  it('keeps what a malformed feed holds, and recognises a feed by its text when the type says nothing', async () => {
    const broken = await discover(`${site.url}/broken.rss`);
    assert.equal(broken.status, 200, broken.text);
    assert.deepEqual(summary(broken.body.things), [['https://broken.example/1', 'One', null, 'atom-link']]);
    const untyped = await discover(`${site.url}/untyped`);
    assert.deepEqual(summary(untyped.body.things), [['https://untyped.example/1', null, null, 'atom-link']]);
  });

  it('gives titles and creators the service stores (no control characters, a whole emoji or none), so every flattrUrl is one /flattr accepts', async () => {
    const res = await discover(`${site.url}/dirty.rss`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(summary(res.body.things), [
      ['https://dirty.example/1', 'Bell and del and break', null, 'atom-link'],
      ['https://dirty.example/2', 'Nul in the link', 'ada', 'atom-link'],
      ['https://dirty.example/3', 'a'.repeat(299), null, 'atom-link'],
    ]);
    for (const thing of res.body.things) {
      const followed = await fetch(thing.flattrUrl, { redirect: 'manual' });
      assert.equal(followed.status, 303, `${thing.flattrUrl}: ${followed.status}`);
    }
  });

  it('gives each thing\'s id and count once it was flattred, and writes nothing itself', async () => {
    const before = await server.db.collection('things').countDocuments();
    await discover(`${site.url}/podcast.rss`);
    assert.equal(await server.db.collection('things').countDocuments(), before, 'discovery creates no things');
    const flattr = await api.post('/v1/flattrs', { url: 'https://pod.example/1' }, { token: (await signup(api)).token });
    const res = await discover(`${site.url}/podcast.rss`);
    const episode = res.body.things.find((t: { url: string }) => t.url === 'https://pod.example/1');
    assert.equal(episode.thingId, flattr.body.thingId);
    assert.equal(episode.count, 1);
    assert.deepEqual(res.body.things.filter((t: { url: string }) => t.url !== 'https://pod.example/1').map((t: { thingId: null; count: number }) => [t.thingId, t.count]), [[null, 0], [null, 0]]);
  });

  it('finds the posts of examples/blog in its Atom feed and on its page', async () => {
    // Served, the blog names its own pages (examples/blog/serve.mjs).
    const posts = ['plane-iron', 'one-board-bench', 'hide-glue'].map((slug) => `${blog.url}/2026/${slug}`);
    const feed = await discover(`${blog.url}/feed.atom`);
    assert.equal(feed.status, 200, feed.text);
    assert.deepEqual(feed.body.things.map((t: { url: string; creator: string }) => [t.url, t.creator]), posts.map((p) => [p, 'Robin']));
    const page = await discover(`${blog.url}/`);
    assert.deepEqual(page.body.things.map((t: { url: string; title: string }) => t.url), posts);
    assert.equal(page.body.things[0].title, 'Sharpening a plane iron');
  });

  it('finds the demo blog\'s posts in its feed and each post page\'s own rel=payment link', async () => {
    const feed = await discover(`${server.url}/demo/feed.atom`);
    assert.equal(feed.status, 200, feed.text);
    assert.deepEqual(summary(feed.body.things), DEMO_POSTS.map((p) => [`${server.url}/demo/posts/${p.slug}`, p.title, p.creator, 'atom-link']));
    const post = await discover(`${server.url}/demo/posts/${DEMO_POSTS[1]!.slug}`);
    assert.deepEqual(summary(post.body.things), [[`${server.url}/demo/posts/${DEMO_POSTS[1]!.slug}`, DEMO_POSTS[1]!.title, DEMO_POSTS[1]!.creator, 'html-link']]);
  });

  it('needs a token with the read scope', async () => {
    const res = await api.post('/v1/things/discover', { url: `${site.url}/feed.atom` });
    assert.equal(res.status, 401);
  });

  it('answers what it cannot read with a 4xx problem', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ url: 'javascript:alert(1)' }, 400, 'invalid_url'],
      [{ url: 'not a url' }, 400, 'invalid_url'],
      [{}, 400, 'validation_failed'],
      [{ url: 42 }, 400, 'validation_failed'],
      [{ url: `${site.url}/missing` }, 422, 'fetch_failed'],
      [{ url: `${site.url}/image.png` }, 422, 'unsupported_document'],
      [{ url: 'http://127.0.0.1:1/' }, 422, 'fetch_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api.post('/v1/things/discover', body, { token: reader.token });
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.code, code, JSON.stringify(body));
    }
  });
});

describe('discovery without ALLOW_PRIVATE_FETCH', () => {
  it('refuses to fetch loopback addresses (the SSRF guard of site verification)', async () => {
    const server = await startTestServer({ env: { ALLOW_PRIVATE_FETCH: 'false' } });
    const site = await feedSite(ROUTES, () => server.url);
    try {
      const api = testClient(server.url);
      const reader = await signup(api);
      const res = await api.post('/v1/things/discover', { url: `${site.url}/feed.atom` }, { token: reader.token });
      assert.equal(res.status, 422);
      assert.equal(res.body.code, 'address_not_allowed');
    } finally {
      await site.close();
      await server.close();
    }
  });
});
