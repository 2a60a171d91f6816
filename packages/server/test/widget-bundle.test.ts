import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWidgetModule } from '../src/widget/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

describe('serving the widget script', () => {
  let dir: string;
  let bundlePath: string;
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flattr-widget-'));
    bundlePath = path.join(dir, 'flattr.js');
    await writeFile(bundlePath, '(()=>{window.__flattrLoaded=1})();\n');
    await writeFile(path.join(dir, 'flattr-lazy.js'), 'export const lazy=1;\n');
    server = await startTestServer({ modules: [createWidgetModule({ bundlePath })] });
    api = testClient(server.url);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves /widget/flattr.js as JavaScript with a short cache, an ETag and open CORS', async () => {
    const res = await api.get('/widget/flattr.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{16}"$/);
    assert.equal(res.text, '(()=>{window.__flattrLoaded=1})();\n');
  });

  it('answers 304 when If-None-Match carries the current ETag', async () => {
    const first = await api.get('/widget/flattr.js');
    const etag = first.headers.get('etag')!;
    const again = await api.get('/widget/flattr.js', { headers: { 'if-none-match': `W/"other", ${etag}` } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
  });

  it('serves the same bytes under /widget/v/<hash>/flattr.js, immutable for a year', async () => {
    const hash = (await api.get('/widget/flattr.js')).headers.get('etag')!.replaceAll('"', '');
    const res = await api.get(`/widget/v/${hash}/flattr.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(res.text, '(()=>{window.__flattrLoaded=1})();\n');
  });

  it('redirects the versioned URL of an older build to the moving URL, uncached', async () => {
    const res = await api.get('/widget/v/0123456789abcdef/flattr.js');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/widget/flattr.js');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('refuses a malformed version with 400', async () => {
    const res = await api.get('/widget/v/not-a-hash/flattr.js');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'validation_failed');
  });

  it('serves the loader\'s second file beside it, with the same open CORS (module scripts are fetched with CORS)', async () => {
    const res = await api.get('/widget/flattr-lazy.js?v=0123abcd', { headers: { origin: 'https://blog.example' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal(res.text, 'export const lazy=1;\n');
    const hash = (await api.get('/widget/flattr.js')).headers.get('etag')!.replaceAll('"', '');
    const versioned = await api.get(`/widget/v/${hash}/flattr-lazy.js?v=0123abcd`);
    assert.equal(versioned.status, 200);
    assert.equal(versioned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(versioned.text, 'export const lazy=1;\n');
    const older = await api.get('/widget/v/0123456789abcdef/flattr-lazy.js');
    assert.equal(older.status, 302);
    assert.equal(older.headers.get('location'), '/widget/flattr-lazy.js');
  });

  it('picks up a rebuilt bundle without a restart: new bytes, new hash', async () => {
    const before = (await api.get('/widget/flattr.js')).headers.get('etag');
    await writeFile(bundlePath, '(()=>{window.__flattrLoaded=22})();\n');
    const res = await api.get('/widget/flattr.js');
    assert.equal(res.text, '(()=>{window.__flattrLoaded=22})();\n');
    assert.notEqual(res.headers.get('etag'), before);
  });
});

describe('serving the widget script before it is built', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ modules: [createWidgetModule({ bundlePath: path.join(tmpdir(), 'no-such-dir-flattr', 'flattr.js') })] });
  });
  after(async () => { await server.close(); });

  it('answers 503 widget_not_built telling how to build it', async () => {
    const res = await testClient(server.url).get('/widget/flattr.js');
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'widget_not_built');
    assert.match(res.body.detail, /npm run build/);
    assert.equal((await testClient(server.url).get('/widget/flattr-lazy.js')).status, 503);
  });
});
