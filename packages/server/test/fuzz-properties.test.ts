/**
 * What the OpenAPI document cannot express, as properties (fast-check) over
 * every route the server mounts: bytes and bad percent-encodings in paths,
 * bodies whose Content-Type or Content-Encoding lie, bodies too large or too
 * deep, and garbage in every HTML form. For each: never a 5xx or a hang, a
 * refusal is a 4xx in the route's error format (problem+json; an HTML error
 * page where the route serves pages; RFC 6749 JSON at the OAuth token
 * endpoint), and a refused request writes nothing (refusalAudit: the
 * collections it sent write commands to hash the same before and after).
 * Requests are written byte for byte (rawRequest), since fetch would clean
 * them up. Fixed seeds; FUZZ_SEED and FUZZ_RUNS change them.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { AnyRouteSpec } from '../src/http/route.js';
import { modules } from '../src/modules.js';
import { RATE_LIMIT_COLLECTIONS } from '../src/rate-limits/index.js';
import {
  createAdmin, rawRequest, refusalAudit, signup, startTestServer, testClient,
  type RawResponse, type RefusalAudit, type TestServer, type TestUser,
} from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/** Collections a refused request may change: the rate limiters' counters only (why: fuzz-openapi.test.ts). */
const MAY_CHANGE_WHEN_REFUSED: string[] = Object.values(RATE_LIMIT_COLLECTIONS);

describe('malformed input on every route (property tests, fast-check)', { timeout: 10 * 60_000 }, () => {
  let server: TestServer;
  let audit: RefusalAudit;
  let reader: TestUser;
  let admin: TestUser;
  let browser: PageBrowser;
  let routes: AnyRouteSpec[];

  before(async () => {
    audit = refusalAudit({ exclude: MAY_CHANGE_WHEN_REFUSED });
    server = await startTestServer({ monitorCommands: true, modules: [audit.module, ...modules] });
    const api = testClient(server.url);
    reader = await signup(api);
    admin = await createAdmin(server, api);
    browser = new PageBrowser(server.url);
    await browser.logIn(reader.email, reader.password);
    await api.post('/v1/flattrs', { url: 'https://props.example/post', title: 'A post' }, { token: reader.token });
    routes = server.app.routes;
  });
  after(async () => {
    if (audit) console.log(`property tests: ${await audit.refused()} requests answered 4xx, ${await audit.rehashed()} of them sent write commands and had those collections hashed again, ${(await audit.writes()).length} changed the database`);
    await server?.close();
  });

  /** The reader's (or for admin routes the admin's) token, and the reader's page session. */
  const credentials = (route: AnyRouteSpec): Record<string, string> => ({
    authorization: `Bearer ${route.auth?.role === 'admin' ? admin.token : reader.token}`,
    cookie: `flattr_session=${encodeURIComponent(browser.cookies.get('flattr_session') ?? '')}`,
  });

  /** Routes drawn by `METHOD /path`, so a counterexample names its route instead of printing the whole spec. */
  const label = (route: AnyRouteSpec) => `${route.method.toUpperCase()} ${route.path}`;
  const pick = (chosen: AnyRouteSpec[]) => fc.constantFrom(...chosen.map(label));
  const routeOf = (name: string) => routes.find((route) => label(route) === name)!;

  /** Where the route serves HTML, an HTML error page is a proper refusal too. */
  const servesPages = (route: AnyRouteSpec) => Object.values(route.responses).some((r) => r.contentType === 'text/html');

  /** Never a 5xx; a 4xx in the route's error format; a refusal wrote nothing. */
  function assertProperAnswer(route: AnyRouteSpec | undefined, what: string, res: RawResponse): void {
    assert.ok(res.status < 500, `${what} → ${res.status}: ${res.body.slice(0, 300)}`);
    if (res.status < 400) return;
    const type = res.headers['content-type'] ?? '';
    if (route && servesPages(route) && type.startsWith('text/html')) return;
    if (route?.path === '/oauth/token' && type.startsWith('application/json')) {
      assert.equal(typeof JSON.parse(res.body).error, 'string', `${what}: RFC 6749 error`);
      return;
    }
    assert.match(type, /^application\/problem\+json/, `${what} → ${res.status} ${type}: ${res.body.slice(0, 200)}`);
    const problem = JSON.parse(res.body);
    assert.equal(problem.status, res.status, `${what}: problem status`);
    assert.equal(typeof problem.code, 'string', `${what}: problem code`);
  }

  async function assertNothingWrittenByRefusals(writesBefore: number): Promise<void> {
    assert.deepEqual((await audit.writes()).slice(writesBefore), [], 'refused requests changed the database');
  }

  it('answers odd bytes and bad percent-encodings in every path parameter and query with a 4xx, never a 5xx', async () => {
    const withParams = routes.filter((r) => r.path.includes(':'));
    assert.ok(withParams.length >= 10, 'routes with path parameters');
    const segment = fc.oneof(
      fc.constantFrom('%', '%F', '%FF', '%FE%FF', '%E0%A4%A', '%C0%AF', '%00', '%ZZ', '%%', '%u2215', '%ED%A0%80', '%2F..%2F', '%252F', '..', '.', '%2e%2e')
        .chain((bad) => fc.tuple(fc.stringMatching(/^[0-9a-f]{0,24}$/), fc.stringMatching(/^[0-9a-z]{0,4}$/)).map(([a, b]) => Buffer.from(`${a}${bad}${b}`))),
      fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }).map((s) => Buffer.from(encodeURIComponent(s))),
    );
    const query = fc.option(fc.constantFrom('?url=%FF', '?period=%E0%A4%A', '?next=%', '?x=%00&y=%%', '?url[]=a&url[b]=c', '?__proto__[x]=1'), { nil: '' });
    const writesBefore = (await audit.writes()).length;
    let sent = 0;
    await fc.assert(fc.asyncProperty(pick(withParams), segment, query, async (name, bytes, suffix) => {
      const route = routeOf(name);
      const parts = route.path.split(/(:[A-Za-z0-9_]+)/).map((part) => (part.startsWith(':') ? bytes : Buffer.from(part)));
      const target = Buffer.concat([...parts, Buffer.from(suffix)]);
      const res = await rawRequest(server.url, {
        method: route.method.toUpperCase(),
        target,
        headers: { ...credentials(route), ...(route.method === 'get' ? {} : { 'content-type': 'application/json' }) },
        body: route.method === 'get' ? undefined : '{}',
      });
      sent += 1;
      // A target Node cannot parse is refused before any route: it must be a problem+json 400 too.
      assertProperAnswer(res.headers['content-type']?.includes('problem') ? undefined : route, `${route.method.toUpperCase()} ${JSON.stringify(target.toString('latin1'))}`, res);
    }), { seed: SEED, numRuns: RUNS * 2 });
    console.log(`paths: ${sent} requests over ${withParams.length} routes with parameters`);
    await assertNothingWrittenByRefusals(writesBefore);
  });

  it('refuses bodies whose Content-Type or Content-Encoding lie, on every route that takes a body', async () => {
    const withBody = routes.filter((r) => r.method !== 'get');
    const contentType = fc.constantFrom(undefined, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
      'application/json; charset=latin1', 'application/json; charset=nope', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'application/json');
    const encoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'x-compress', 'gzip, gzip', 'GZIP');
    const body = fc.oneof(
      fc.json().map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.json().map((text) => gzipSync(text)),
      fc.constant(Buffer.from('{"url": "https://props.example/x", ')),
    );
    const writesBefore = (await audit.writes()).length;
    await fc.assert(fc.asyncProperty(pick(withBody), contentType, encoding, body, async (name, type, coding, bytes) => {
      const route = routeOf(name);
      const target = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'period' ? '2026-01' : '0123456789abcdef01234567'));
      const res = await rawRequest(server.url, {
        method: route.method.toUpperCase(),
        target,
        headers: { ...credentials(route), ...(type ? { 'content-type': type } : {}), ...(coding ? { 'content-encoding': coding } : {}) },
        body: bytes,
      });
      assertProperAnswer(route, `${route.method.toUpperCase()} ${target} (${type ?? 'no type'}, ${coding ?? 'no encoding'}, ${bytes.length} B)`, res);
    }), { seed: SEED, numRuns: RUNS * 2 });
    await assertNothingWrittenByRefusals(writesBefore);
  });

  it('refuses bodies over the size limit, urlencoded bodies with too many fields, and deeply nested JSON with a 4xx', async () => {
    const withBody = routes.filter((r) => r.method !== 'get');
    const shape = fc.oneof(
      // JSON a little or a lot over BODY_LIMIT (100 kB by default).
      fc.integer({ min: 100 * 1024 + 1, max: 400 * 1024 }).map((size) => ({ type: 'application/json', bytes: Buffer.from(JSON.stringify({ url: 'https://props.example/big', title: 'x'.repeat(size) })) })),
      // More fields than the urlencoded parser takes (1000).
      fc.integer({ min: 1001, max: 3000 }).map((n) => ({ type: 'application/x-www-form-urlencoded', bytes: Buffer.from(Array.from({ length: n }, (_, i) => `f${i}=1`).join('&')) })),
      // Arrays or objects nested thousands deep, under the size limit.
      fc.tuple(fc.integer({ min: 500, max: 20_000 }), fc.boolean()).map(([depth, arrays]) => ({
        type: 'application/json',
        bytes: Buffer.from(`{"url":${arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)}}`),
      })),
    );
    const writesBefore = (await audit.writes()).length;
    await fc.assert(fc.asyncProperty(pick(withBody), shape, async (name, { type, bytes }) => {
      const route = routeOf(name);
      const target = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'period' ? '2026-01' : '0123456789abcdef01234567'));
      const res = await rawRequest(server.url, { method: route.method.toUpperCase(), target, headers: { ...credentials(route), 'content-type': type }, body: bytes });
      assertProperAnswer(route, `${route.method.toUpperCase()} ${target} (${type}, ${bytes.length} B)`, res);
      // A handful of routes read no body at all and may answer without it; every other one must refuse.
      if (route.body || route.path === '/settings/budget') assert.ok(res.status >= 400, `${route.method.toUpperCase()} ${target} (${type}, ${bytes.length} B) → ${res.status}`);
    }), { seed: SEED, numRuns: Math.ceil(RUNS / 2) });
    await assertNothingWrittenByRefusals(writesBefore);
  });

  it('answers garbage in every HTML form (with and without the session\'s CSRF token) with a page, a redirect or a 4xx, and writes nothing when it refuses', async () => {
    const forms = routes.filter((r) => r.method === 'post' && (servesPages(r) || r.tags.includes('pages') || r.path.startsWith('/oauth/authorize')));
    assert.ok(forms.length >= 6, `form routes: ${forms.map((r) => r.path).join(', ')}`);
    const known = ['email', 'password', 'name', 'next', 'budget', 'decision', 'url', 'title', 'creator', 'origin', 'oneClick',
      'client_id', 'redirect_uri', 'response_type', 'code_challenge', 'code_challenge_method', 'state', 'scope', '_csrf'];
    const garbage = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', '0', '-1', '1e308', 'NaN', '5.00', 'approve', 'javascript:alert(1)', '//evil.example', 'https://evil.example/', '\u0000', '%FF', 'x'.repeat(3000)));
    const fields = fc.dictionary(fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '_csrf[]', 'email[]')), garbage, { maxKeys: 8 });
    const csrf = fc.constantFrom('session', 'none', 'garbage');
    const writesBefore = (await audit.writes()).length;
    let sessionToken = '';
    const refreshSession = async () => {
      if (!browser.cookies.has('flattr_session')) await browser.logIn(reader.email, reader.password);
      sessionToken = hiddenField((await browser.get('/account')).text, '_csrf');
    };
    await refreshSession();
    await fc.assert(fc.asyncProperty(pick(forms), fields, csrf, async (name, form, token) => {
      const route = routeOf(name);
      // Logging out (a form among the others) ends the session: start a new one for the next case.
      if (!browser.cookies.has('flattr_session')) await refreshSession();
      const target = route.path.replace(/:([A-Za-z0-9_]+)/g, '0123456789abcdef01234567');
      const body = new URLSearchParams(Object.entries(form) as Array<[string, string]>);
      if (token === 'session') body.set('_csrf', sessionToken);
      else if (token === 'garbage') body.set('_csrf', 'x'.repeat(43));
      else body.delete('_csrf');
      const res = await browser.postForm(target, Object.fromEntries(body), { origin: server.url });
      const answer: RawResponse = { status: res.status, headers: Object.fromEntries(res.headers), body: res.text };
      assertProperAnswer(route, `POST ${target} ${JSON.stringify(Object.fromEntries(body)).slice(0, 300)}`, answer);
      if (token !== 'session') assert.ok(res.status === 403 || res.status === 400 || res.status === 303, `POST ${target} without the session's CSRF token → ${res.status}`);
    }), { seed: SEED, numRuns: RUNS });
    await assertNothingWrittenByRefusals(writesBefore);
  });

  it('answers garbage in the query of every page with a page, a redirect or a 4xx', async () => {
    const pages = routes.filter((r) => r.method === 'get' && (servesPages(r) || r.tags.includes('pages')));
    const query = fc.dictionary(fc.oneof(fc.constantFrom('next', 'done', 'url', 'title', 'origin', 'client_id', 'redirect_uri', 'state'), fc.string({ maxLength: 8 })),
      fc.string({ unit: 'binary', maxLength: 60 }), { maxKeys: 6 });
    const writesBefore = (await audit.writes()).length;
    await fc.assert(fc.asyncProperty(pick(pages), query, fc.boolean(), async (name, fields, withSession) => {
      const route = routeOf(name);
      const target = `${route.path}?${new URLSearchParams(fields)}`;
      const res = await rawRequest(server.url, { method: 'GET', target, headers: withSession ? credentials(route) : {} });
      assertProperAnswer(route, `GET ${target.slice(0, 300)}`, res);
    }), { seed: SEED, numRuns: RUNS });
    await assertNothingWrittenByRefusals(writesBefore);
  });
});
