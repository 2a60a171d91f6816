import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { DEMO_POSTS } from '../src/demo/index.js';

describe('the demo blog (/demo/)', () => {
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  it('shows three posts with a large and a compact button each, loaded by the one-line script tag', async () => {
    const res = await api.get('/demo/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.text, new RegExp(`<script async src="${server.url}/widget/flattr.js"></script>`));
    assert.equal((res.text.match(/<flattr-button size="large" show-count /g) ?? []).length, 3);
    assert.equal((res.text.match(/<flattr-button size="compact" show-count /g) ?? []).length, 3);
    for (const post of DEMO_POSTS) assert.ok(res.text.includes(`url="${server.url}/demo/posts/${post.slug}"`));
  });

  it('runs under a CSP without inline script or style', async () => {
    const res = await api.get('/demo/');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.doesNotMatch(res.text, /<script>|<style|style="/);
  });

  it('lets its buttons\' confirm windows keep their opener (COOP same-origin-allow-popups, not helmet\'s same-origin)', async () => {
    // With `same-origin` on the page, the popup (which sends `unsafe-none`) lands in another browsing
    // context group: it sees no opener and cannot report back (packages/widget/e2e/page-origins.test.ts).
    for (const path of ['/demo/', `/demo/posts/${DEMO_POSTS[0]!.slug}`]) {
      const res = await api.get(path);
      assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin-allow-popups', path);
    }
  });

  it('sends a newcomer at the root URL to the demo blog', async () => {
    const root = await api.get('/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/demo/');
  });

  it('redirects /demo to /demo/ and serves each post on a page of its own', async () => {
    const bare = await api.get('/demo');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/demo/');
    const post = await api.get(`/demo/posts/${DEMO_POSTS[0]!.slug}`);
    assert.equal(post.status, 200);
    assert.match(post.text, new RegExp(`<link rel="canonical" href="${server.url}/demo/posts/${DEMO_POSTS[0]!.slug}">`));
    assert.equal((await api.get('/demo/posts/nope')).status, 404);
  });
});
