import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWidgetModule } from '../src/widget/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

const swedish = { flattr: 'Flattra', labelFlattr: 'Flattra {title}' };

describe('serving the widget translations', () => {
  let dir: string;
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flattr-i18n-'));
    await mkdir(path.join(dir, 'i18n'));
    await writeFile(path.join(dir, 'i18n', 'sv.json'), JSON.stringify(swedish));
    server = await startTestServer({ modules: [createWidgetModule({ translationsDir: path.join(dir, 'i18n') })] });
    api = testClient(server.url);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves /widget/i18n/<lang>.json as JSON, cached a day, with an ETag and open CORS', async () => {
    const res = await api.get('/widget/i18n/sv.json', { headers: { origin: 'https://blog.example' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=86400, stale-while-revalidate=604800');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]{16}"$/);
    assert.deepEqual(res.body, swedish);
  });

  it('answers 304 when If-None-Match carries the current ETag', async () => {
    const etag = (await api.get('/widget/i18n/sv.json')).headers.get('etag')!;
    const again = await api.get('/widget/i18n/sv.json', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  it('refuses a language the widget does not speak with 400', async () => {
    const res = await api.get('/widget/i18n/ja.json');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'validation_failed');
  });

  it('answers 503 widget_not_built for a language whose file the build has not written', async () => {
    const res = await api.get('/widget/i18n/de.json');
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'widget_not_built');
    assert.match(res.body.detail, /npm run build/);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await api.get('/v1/openapi.json')).body;
    assert.ok(doc.paths['/widget/i18n/{lang}.json']?.get, 'GET /widget/i18n/{lang}.json in OpenAPI');
  });
});

describe('the widget build writes the translations the server serves', () => {
  it('has one file per language of the widget, each with the same keys as English', async (t) => {
    const { DEFAULT_TRANSLATIONS_DIR, WIDGET_LANGUAGES } = await import('../src/widget/serve-translations.js');
    const { readFile } = await import('node:fs/promises');
    let english: Record<string, string>;
    try {
      english = JSON.parse(await readFile(path.join(DEFAULT_TRANSLATIONS_DIR, 'en.json'), 'utf8'));
    } catch {
      t.skip('widget not built (npm run build -w @flattr/widget)');
      return;
    }
    for (const language of WIDGET_LANGUAGES) {
      const strings = JSON.parse(await readFile(path.join(DEFAULT_TRANSLATIONS_DIR, `${language}.json`), 'utf8'));
      assert.deepEqual(Object.keys(strings).sort(), Object.keys(english).sort(), language);
    }
  });
});
