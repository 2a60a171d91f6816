import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { manualProvider, recordDeposit } from '../src/deposits/index.js';
import { createAdmin, signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser, type PageResponse } from '../src/widget/testing/page-browser.js';

/** Control characters no stored text may hold: C0 (NUL, BEL, ESC…), DEL, C1 (NEL, CSI…), and a lone surrogate (not Unicode text). */
const CONTROLS = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b', '\ud800'];
/** Line breaks and tabs: refused in single-line fields, allowed in a description. */
const LINE_BREAKS = ['\n', '\r', '\t'];

/**
 * Every collection's documents, hashed: a refused request must leave them all as they were.
 * Rate-limit counters (`rate_limit_*`) are left out: every request, refused or not, is counted.
 */
async function databaseHash(server: TestServer): Promise<string> {
  const hash = createHash('sha256');
  const names = (await server.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  for (const name of names) {
    if (name === 'signing_keys' || name.startsWith('rate_limit_')) continue;
    const docs = await server.db.collection(name).find({}).sort({ _id: 1 }).toArray();
    hash.update(`${name}:${JSON.stringify(docs)}\n`);
  }
  return hash.digest('hex');
}

/**
 * Finding 5 of the outside review: `POST /v1/sites` took `example`,
 * `/relative/path` and `https:///path` (host `path`); NUL and other control
 * characters were stored in names, titles, descriptions and `creator`; the
 * OAuth token endpoint answered malformed fields with problem+json.
 */
describe('input that must be refused', () => {
  let server: TestServer;
  let api: TestClient;
  let user: TestUser;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    user = await signup(api);
    admin = await createAdmin(server, api);
  });
  after(async () => { await server.close(); });

  describe('POST /v1/sites: only an absolute http(s) URL (or a bare host) with a real host', () => {
    it('refuses relative paths, empty authorities, single-label hosts and other non-URLs with 400 invalid_url, storing nothing', async () => {
      const before = await databaseHash(server);
      for (const url of [
        'example', '/relative/path', 'relative/path', 'https:///path', 'http:///x', 'https:/evil.example', 'https:\\\\evil.example',
        '//evil.example', 'https://', 'https://.', 'https://example', 'https://exa mple.com', 'https://exa_mple.com', 'https://a..b',
        'mailto:me@example.com', 'javascript:alert(1)', 'ftp://example.com', 'data:text/html,hi', 'https://example.com\u0000.evil',
        ' ', '.', 'https://user:pw@example.com',
      ]) {
        const res = await api.post('/v1/sites', { url }, { token: user.token });
        assert.equal(res.status, 400, `${JSON.stringify(url)}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.match(res.body.code, /^(invalid_url|validation_failed)$/, url);
      }
      assert.equal(await databaseHash(server), before, 'nothing written');
    });

    it('accepts what names a real host: a bare domain, a URL with a port, an IP address, localhost, an IDN', async () => {
      for (const [url, host] of [
        ['Blog.Example.com', 'blog.example.com'], ['https://blog.example.com:8443/x', 'blog.example.com:8443'],
        ['http://127.0.0.1:8081', '127.0.0.1:8081'], ['http://[::1]:8080/', '[::1]:8080'], ['http://localhost:3000', 'localhost:3000'],
        ['https://例え.jp/', 'xn--r8jz45g.jp'], ['sub.blog.example.org/path', 'sub.blog.example.org'],
      ]) {
        const res = await api.post('/v1/sites', { url }, { token: user.token });
        assert.ok(res.status === 201 || res.status === 200, `${url}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.equal(res.body.host, host);
      }
    });
  });

  describe('control characters in stored text', () => {
    let payoutPath: string;
    /** The admin logged in on the pages, with the token of their forms, and a payout due that their form could mark paid. */
    let adminPages: PageBrowser;
    let adminCsrf: string;
    let payoutDue: string;
    let serial = 0;
    before(async () => {
      payoutPath = '/v1/admin/payouts/0123456789abcdef01234567/paid';
      adminPages = new PageBrowser(server.url);
      await adminPages.logIn(admin.email, admin.password);
      adminCsrf = hiddenField((await adminPages.get('/admin')).text, '_csrf');
      await recordDeposit(server.ctx, manualProvider, { userId: user.id, amount: 1_000, reference: 'input-refusal-payout' });
      const payout = await api.post('/v1/me/payouts', { amount: 500 }, { token: user.token });
      assert.equal(payout.status, 201, payout.text);
      payoutDue = payout.body.id;
    });

    /**
     * Each stored text field a JSON route takes: how to send it, with the character inside the
     * text (leading and trailing whitespace, line breaks included, is trimmed, not refused).
     * `multiline` fields may hold line breaks.
     */
    const fields: Array<{ field: string; method: string; path: () => string; body: (value: string) => unknown; token: () => string; multiline?: boolean }> = [
      { field: 'POST /v1/auth/signup name', method: 'POST', path: () => '/v1/auth/signup', token: () => '', body: (v) => ({ email: `c-${Math.random()}@example.test`, password: 'long enough password', name: `Ann${v}e` }) },
      { field: 'PATCH /v1/me name', method: 'PATCH', path: () => '/v1/me', token: () => user.token, body: (v) => ({ name: `Ann${v}e` }) },
      { field: 'POST /v1/me/tokens name', method: 'POST', path: () => '/v1/me/tokens', token: () => user.token, body: (v) => ({ name: `cms${v}1`, scopes: ['read'] }) },
      { field: 'POST /v1/oauth/clients name', method: 'POST', path: () => '/v1/oauth/clients', token: () => user.token, body: (v) => ({ name: `App${v}1`, redirectUris: ['https://app.example/cb'] }) },
      { field: 'POST /v1/oauth/clients redirectUris[]', method: 'POST', path: () => '/v1/oauth/clients', token: () => user.token, body: (v) => ({ name: 'App', redirectUris: [`https://app.example/cb${v}x`] }) },
      { field: 'POST /v1/things title', method: 'POST', path: () => '/v1/things', token: () => user.token, body: (v) => ({ url: 'https://c.example/t', title: `T${v}t` }) },
      { field: 'POST /v1/things description', method: 'POST', path: () => '/v1/things', token: () => user.token, multiline: true, body: (v) => ({ url: 'https://c.example/d', title: 'T', description: `D${v}x` }) },
      { field: 'POST /v1/things tags[]', method: 'POST', path: () => '/v1/things', token: () => user.token, body: (v) => ({ url: 'https://c.example/g', title: 'T', tags: [`t${v}g`] }) },
      { field: 'POST /v1/flattrs title', method: 'POST', path: () => '/v1/flattrs', token: () => user.token, body: (v) => ({ url: 'https://c.example/f1', title: `T${v}t` }) },
      { field: 'POST /v1/flattrs creator', method: 'POST', path: () => '/v1/flattrs', token: () => user.token, body: (v) => ({ url: 'https://c.example/f2', creator: `ada${v}a` }) },
      { field: 'POST /v1/admin/payouts/:id/paid reference', method: 'POST', path: () => payoutPath, token: () => admin.token, body: (v) => ({ reference: `bank-${v}-1` }) },
      { field: 'PUT /v1/me/payout-destination/bank holder', method: 'PUT', path: () => '/v1/me/payout-destination/bank', token: () => user.token, body: (v) => ({ holder: `Ada${v}L`, iban: 'DE89370400440532013000' }) },
    ];

    /**
     * Each stored text field an HTML form takes (the pages post urlencoded forms; the OpenAPI
     * document names their fields like a JSON body's): how to post it with the character inside.
     */
    const formFields: Array<{ field: string; multiline?: boolean; post: (value: string) => Promise<PageResponse> }> = [
      {
        field: 'POST /account/signup name',
        post: async (v) => {
          const browser = new PageBrowser(server.url);
          const form = await browser.get('/account/signup');
          return browser.postForm('/account/signup', {
            _csrf: hiddenField(form.text, '_csrf'), email: `form-${(serial += 1)}@example.test`, password: 'long enough password', name: `Ann${v}e`,
          });
        },
      },
      {
        field: 'POST /admin/payouts/{id}/paid reference',
        post: (v) => adminPages.postForm(`/admin/payouts/${payoutDue}/paid`, { _csrf: adminCsrf, reference: `bank-${v}-1` }),
      },
      {
        field: 'POST /creator/payouts/bank holder',
        post: (v) => adminPages.postForm('/creator/payouts/bank', { _csrf: adminCsrf, holder: `Ada${v}L`, iban: 'DE89370400440532013000' }),
      },
      // The confirm form, as the window posts it and as the full page of the plain /flattr link does: the thing's title and creator.
      ...(['title', 'creator'] as const).flatMap((name) => ([
        { origin: 'https://c.example' },
        { return: 'https://c.example/confirm-form' },
      ] as Array<Record<string, string>>).map((flow) => ({
        field: `POST /widget/confirm ${name}`,
        post: (v: string) => adminPages.postForm('/widget/confirm', { _csrf: adminCsrf, url: 'https://c.example/confirm-form', title: 'T', creator: 'ada', ...flow, [name]: `x${v}y` }),
      }))),
    ];

    it('covers every string field of every JSON request body in the OpenAPI document', () => {
      const covered = new Set([...fields, ...formFields].map((f) => f.field));
      // Strings that are not stored as text: secrets and identifiers, URLs stored normalised, patterned or enumerated values.
      const notStoredText = new Set([
        'POST /v1/auth/signup email', 'POST /v1/auth/signup password', 'POST /v1/auth/login email', 'POST /v1/auth/login password',
        'POST /v1/auth/refresh refreshToken', 'POST /v1/auth/logout refreshToken', 'POST /v1/me/tokens scopes[]',
        'POST /oauth/token grant_type', 'POST /oauth/token code', 'POST /oauth/token redirect_uri', 'POST /oauth/token client_id',
        'POST /oauth/token code_verifier', 'POST /oauth/token refresh_token',
        'POST /v1/sites url', 'POST /v1/things url', 'POST /v1/things language', 'POST /v1/flattrs url', 'POST /v1/flattrs thingId',
        'POST /v1/subscriptions thingId', 'POST /v1/subscriptions url', 'POST /v1/admin/users/{id}/roles roles[]',
        'POST /v1/admin/deposits userId', 'POST /v1/admin/deposits reference', 'POST /v1/admin/deposits provider',
        'POST /v1/admin/distributions period',
        // Read only: the page or feed to read, never stored (its things' texts are cleaned: discovery.test.ts).
        'POST /v1/things/discover url',
        // One of the mail languages (an enumeration).
        'PATCH /v1/me language',
        // A bank account: the IBAN is stored compact after its checksum passed, the BIC only in its pattern.
        'PUT /v1/me/payout-destination/bank iban', 'PUT /v1/me/payout-destination/bank bic',
        // HTML forms (their stored text is in formFields): credentials, where to go next, the OAuth request.
        'POST /account/login email', 'POST /account/login password', 'POST /account/login next',
        'POST /account/signup email', 'POST /account/signup password', 'POST /account/signup next',
        ...['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state', 'scope', 'decision'].map((f) => `POST /oauth/authorize ${f}`),
        // The pages' forms: a provider's name, amounts parsed to minor units, references with a pattern
        // (`page-<hex>`; the deposits' REFERENCE_PATTERN), a URL stored normalised, a month, a user's email
        // or id, roles from a list, and the demo button's way back.
        'POST /account/top-up provider', 'POST /account/top-up amount', 'POST /account/top-up reference',
        'POST /creator/sites url', 'POST /creator/payouts amount', 'POST /admin/distributions period',
        'POST /admin/deposits user', 'POST /admin/deposits amount', 'POST /admin/deposits reference',
        'POST /admin/users/{id}/roles roles', 'POST /admin/users/{id}/roles roles[]',
        'POST /demo/end-month period', 'POST /demo/end-month back',
        // The email links' forms: a link's secret (stored hashed), a password (hashed), an address to look up;
        // the bank form's IBAN and BIC as in the API.
        'POST /account/verify token', 'POST /account/forgot email', 'POST /account/reset token', 'POST /account/reset password',
        'POST /creator/payouts/bank iban', 'POST /creator/payouts/bank bic',
        // The confirm form: the thing's URL (stored normalised), where the result goes (an exact origin, or a page on
        // the thing's own site: checked, never stored), and the one-click box.
        'POST /widget/confirm url', 'POST /widget/confirm origin', 'POST /widget/confirm return', 'POST /widget/confirm oneClick',
      ]);
      // Every form's CSRF token: a secret compared, never stored.
      const isCsrfToken = (key: string) => key.endsWith(' _csrf') && key.startsWith('POST ') && !key.startsWith('POST /v1/');
      const missing: string[] = [];
      const seen = new Set<string>();
      const doc = server.app.openApiDocument as { paths: Record<string, Record<string, any>> };
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const schema = operation.requestBody?.content?.['application/json']?.schema;
          for (const name of stringFields(schema)) {
            const key = `${method.toUpperCase()} ${path} ${name}`;
            const asSpec = key.replace('/payouts/{id}/paid', '/payouts/:id/paid');
            seen.add(asSpec);
            seen.add(key);
            if (!covered.has(asSpec) && !covered.has(key) && !notStoredText.has(key) && !isCsrfToken(key)) missing.push(key);
          }
        }
      }
      assert.deepEqual(missing, [], 'string fields with no control-character case');
      assert.deepEqual([...covered].filter((f) => !seen.has(f)), [], 'every case names a field the document has');
    });

    it('refuses C0, DEL, C1 and lone surrogates in every stored text field: 400 validation_failed naming the field, nothing written', async () => {
      for (const f of fields) {
        for (const bad of [...CONTROLS, ...(f.multiline ? [] : LINE_BREAKS)]) {
          const before = await databaseHash(server);
          const res = await api.request(f.method, f.path(), { token: f.token() || undefined, body: f.body(bad) });
          assert.equal(res.status, 400, `${f.field} with U+${bad.charCodeAt(0).toString(16).padStart(4, '0')}: ${res.status} ${res.text.slice(0, 200)}`);
          assert.equal(res.body.code, 'validation_failed', f.field);
          assert.match(res.body.detail, /control character|line break|not valid Unicode/, f.field);
          assert.equal(await databaseHash(server), before, `${f.field}: nothing written`);
        }
      }
    });

    it('keeps line breaks and tabs in a description, and ordinary Unicode (accents, emoji, RTL) everywhere', async () => {
      const res = await api.post('/v1/things', { url: 'https://c.example/ok', title: 'Café 😀 שלום', description: 'Line one\nLine two\r\n\tindented', tags: ['naïve'] }, { token: user.token });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.description, 'Line one\nLine two\r\n\tindented');
      assert.equal(res.body.title, 'Café 😀 שלום');
    });

    it('refuses them in every stored text field of the pages\' forms: 400 naming what is wrong, nothing written', async () => {
      // A form body is UTF-8: a lone surrogate cannot be sent in one (browsers and URLSearchParams send U+FFFD instead).
      const sendable = CONTROLS.filter((c) => !/[\ud800-\udfff]/.test(c));
      for (const f of formFields) {
        for (const bad of [...sendable, ...(f.multiline ? [] : LINE_BREAKS)]) {
          const before = await databaseHash(server);
          const res = await f.post(bad);
          assert.equal(res.status, 400, `${f.field} with U+${bad.charCodeAt(0).toString(16).padStart(4, '0')}: ${res.status} ${res.text.slice(0, 200)}`);
          assert.match(res.text, /control character/, f.field);
          assert.equal(await databaseHash(server), before, `${f.field}: nothing written`);
        }
      }
    });

    it('refuses them in the title and creator the confirm window, its full page and the plain /flattr link are opened with', async () => {
      const reader = new PageBrowser(server.url);
      await reader.logIn(user.email, user.password);
      const failures: string[] = [];
      for (const field of ['title', 'creator']) {
        for (const bad of [...CONTROLS.filter((c) => !/[\ud800-\udfff]/.test(c)), ...LINE_BREAKS]) {
          const fields = { url: 'https://c.example/confirm', title: 'T', creator: 'ada', [field]: `x${bad}y` };
          for (const path of [
            `/widget/confirm?${new URLSearchParams({ ...fields, origin: 'https://c.example' })}`,
            `/widget/confirm?${new URLSearchParams({ ...fields, return: 'https://c.example/confirm' })}`,
            `/flattr?${new URLSearchParams(fields)}`,
          ]) {
            const page = await reader.get(path);
            if (page.status !== 400 || !/control character/.test(page.text)) failures.push(`${path}: ${page.status}`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });
  });

  describe('POST /oauth/token: RFC 6749 §5.2 errors, never problem+json', () => {
    async function expectOAuthError(res: { status: number; headers: Headers; text: string }, what: string, error: string, status = 400) {
      assert.equal(res.status, status, `${what}: ${res.text.slice(0, 200)}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
      const body = JSON.parse(res.text);
      assert.equal(body.error, error, what);
      assert.equal(typeof body.error_description, 'string', what);
      assert.equal(body.code, undefined, `${what}: no problem+json members`);
      assert.equal(res.headers.get('cache-control'), 'no-store', what);
    }
    const form = (body: string, headers: Record<string, string> = {}) =>
      api.request('POST', '/oauth/token', { rawBody: body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    it('answers malformed bodies with invalid_request', async () => {
      await expectOAuthError(await api.request('POST', '/oauth/token', { rawBody: '{"grant_type":', headers: { 'content-type': 'application/json' } }), 'malformed JSON', 'invalid_request');
      await expectOAuthError(await api.post('/oauth/token', { grant_type: 123, client_id: 'x' }), 'grant_type a number', 'invalid_request');
      await expectOAuthError(await api.post('/oauth/token', { grant_type: 'authorization_code', code: ['a', 'b'], client_id: 'x' }), 'code an array', 'invalid_request');
      await expectOAuthError(await form(`grant_type=authorization_code&code=${'x'.repeat(3000)}`), 'code too long', 'invalid_request');
      await expectOAuthError(await form(Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&')), 'too many fields', 'invalid_request');
      await expectOAuthError(await form('grant_type=refresh_token', { 'content-encoding': 'gzip' }), 'fake gzip', 'invalid_request');
      await expectOAuthError(await form(`a=${'x'.repeat(200_000)}`), 'too large', 'invalid_request');
    });

    it('answers missing or unknown fields with invalid_request, unsupported_grant_type or invalid_client', async () => {
      await expectOAuthError(await form(''), 'empty', 'invalid_client', 401);
      await expectOAuthError(await api.post('/oauth/token', {}), 'empty JSON', 'invalid_client', 401);
      const owner = await signup(api);
      const client = await api.post('/v1/oauth/clients', { name: 'App', redirectUris: ['https://app.example/cb'] }, { token: owner.token });
      const clientId = client.body.clientId as string;
      await expectOAuthError(await form(`client_id=${clientId}`), 'no grant_type', 'invalid_request');
      await expectOAuthError(await form(`client_id=${clientId}&grant_type=password`), 'password grant', 'unsupported_grant_type');
      await expectOAuthError(await form(`client_id=${clientId}&grant_type=authorization_code`), 'no code', 'invalid_request');
      await expectOAuthError(await form(`client_id=${clientId}&grant_type=authorization_code&code=nope&code_verifier=${'v'.repeat(43)}&redirect_uri=https://app.example/cb`), 'unknown code', 'invalid_grant');
      await expectOAuthError(await form(`client_id=${clientId}&grant_type=refresh_token`), 'no refresh_token', 'invalid_request');
    });
  });
});

/** Names of the string properties (and string array items, as `name[]`) of a JSON request body schema. */
function stringFields(schema: any): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const names: string[] = [];
  const variants = [schema, ...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  for (const variant of variants) {
    for (const [name, property] of Object.entries<any>(variant.properties ?? {})) {
      const types = [property, ...(property.anyOf ?? [])];
      if (types.some((t) => t.type === 'string')) names.push(name);
      if (types.some((t) => t.type === 'array' && (t.items?.type === 'string' || t.items?.anyOf?.some((i: any) => i.type === 'string')))) names.push(`${name}[]`);
    }
  }
  return [...new Set(names)];
}
