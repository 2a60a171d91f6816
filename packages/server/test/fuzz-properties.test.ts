/**
 * What the OpenAPI document cannot express, as properties (fast-check) over
 * every route the server mounts: bytes and bad percent-encodings in paths,
 * bodies whose Content-Type or Content-Encoding lie, bodies too large or too
 * deep, and garbage in every HTML form (each form its own cases, the payments'
 * forms with their kinds of values; the admin's forms in the admin's session),
 * against the server with payments and mail on (helpers/fuzz-target.ts).
 * For each: never a 5xx or a hang, a
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
import { rawRequest, type RawResponse } from '../src/testing/index.js';
import { hiddenField, type PageBrowser } from '../src/widget/testing/page-browser.js';
import { startFuzzTarget, type FuzzTarget } from './helpers/fuzz-target.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

describe('malformed input on every route (property tests, fast-check)', { timeout: 10 * 60_000 }, () => {
  let target: FuzzTarget;
  let routes: AnyRouteSpec[];

  before(async () => {
    // Payments and mail on (stripe-mock, the development outbox, SEPA), so their forms act too.
    target = await startFuzzTarget();
    await target.api.post('/v1/flattrs', { url: 'https://props.example/post', title: 'A post' }, { token: target.reader.token });
    routes = target.server.app.routes;
  });
  after(async () => {
    if (target) console.log(`property tests: ${await target.audit.refused()} requests answered 4xx, ${await target.audit.rehashed()} of them sent write commands and had those collections hashed again, ${(await target.audit.writes()).length} changed the database`);
    await target?.close();
  });

  /** The admin's routes and pages (the API's admin role, the /admin pages) are the admin's; everything else the reader's. */
  const isAdmin = (route: AnyRouteSpec) => route.auth?.role === 'admin' || route.path.startsWith('/admin');
  /** The page session that may use the route's form. */
  const pagesFor = (route: AnyRouteSpec): PageBrowser => (isAdmin(route) ? target.adminPages : target.readerPages);

  /** The reader's (or for admin routes the admin's) token and page session. */
  const credentials = (route: AnyRouteSpec): Record<string, string> => ({
    authorization: `Bearer ${isAdmin(route) ? target.admin.token : target.reader.token}`,
    cookie: `flattr_session=${encodeURIComponent(pagesFor(route).cookies.get('flattr_session') ?? '')}`,
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
    assert.deepEqual((await target.audit.writes()).slice(writesBefore), [], 'refused requests changed the database');
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
    const writesBefore = (await target.audit.writes()).length;
    let sent = 0;
    await fc.assert(fc.asyncProperty(pick(withParams), segment, query, async (name, bytes, suffix) => {
      const route = routeOf(name);
      const parts = route.path.split(/(:[A-Za-z0-9_]+)/).map((part) => (part.startsWith(':') ? bytes : Buffer.from(part)));
      const requestTarget = Buffer.concat([...parts, Buffer.from(suffix)]);
      const res = await rawRequest(target.server.url, {
        method: route.method.toUpperCase(),
        target: requestTarget,
        headers: { ...credentials(route), ...(route.method === 'get' ? {} : { 'content-type': 'application/json' }) },
        body: route.method === 'get' ? undefined : '{}',
      });
      sent += 1;
      // A target Node cannot parse is refused before any route: it must be a problem+json 400 too.
      assertProperAnswer(res.headers['content-type']?.includes('problem') ? undefined : route, `${route.method.toUpperCase()} ${JSON.stringify(requestTarget.toString('latin1'))}`, res);
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
    const writesBefore = (await target.audit.writes()).length;
    await fc.assert(fc.asyncProperty(pick(withBody), contentType, encoding, body, async (name, type, coding, bytes) => {
      const route = routeOf(name);
      const requestTarget = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'period' ? '2026-01' : '0123456789abcdef01234567'));
      const res = await rawRequest(target.server.url, {
        method: route.method.toUpperCase(),
        target: requestTarget,
        headers: { ...credentials(route), ...(type ? { 'content-type': type } : {}), ...(coding ? { 'content-encoding': coding } : {}) },
        body: bytes,
      });
      assertProperAnswer(route, `${route.method.toUpperCase()} ${requestTarget} (${type ?? 'no type'}, ${coding ?? 'no encoding'}, ${bytes.length} B)`, res);
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
    const writesBefore = (await target.audit.writes()).length;
    await fc.assert(fc.asyncProperty(pick(withBody), shape, async (name, { type, bytes }) => {
      const route = routeOf(name);
      const requestTarget = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'period' ? '2026-01' : '0123456789abcdef01234567'));
      const res = await rawRequest(target.server.url, { method: route.method.toUpperCase(), target: requestTarget, headers: { ...credentials(route), 'content-type': type }, body: bytes });
      assertProperAnswer(route, `${route.method.toUpperCase()} ${requestTarget} (${type}, ${bytes.length} B)`, res);
      // A handful of routes read no body at all and may answer without it; every other one must refuse.
      if (route.body || route.path === '/settings/budget') assert.ok(res.status >= 400, `${route.method.toUpperCase()} ${requestTarget} (${type}, ${bytes.length} B) → ${res.status}`);
    }), { seed: SEED, numRuns: Math.ceil(RUNS / 2) });
    await assertNothingWrittenByRefusals(writesBefore);
  });

  it('answers garbage in every HTML form (with and without the session\'s CSRF token) with a page, a redirect or a 4xx, and writes nothing when it refuses', async () => {
    const forms = routes.filter((r) => r.method === 'post' && (servesPages(r) || r.tags.includes('pages') || r.path.startsWith('/oauth/authorize')));
    assert.ok(forms.length >= 25, `form routes: ${forms.map((r) => r.path).join(', ')}`);
    /** Each form's own fields (its body schema), and the fields of the forms that read their body by hand. */
    const fieldsOf = (route: AnyRouteSpec) => Object.keys((route.body as unknown as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
    const byHand = ['budget', 'monthlyCap', 'decision', 'url', 'title', 'creator', 'origin', 'oneClick'];
    const everyField = [...new Set([...forms.flatMap(fieldsOf), ...byHand])];
    const { reader, seeded } = target;
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('', '0', '-1', '1e308', 'NaN', '5.00', '12.50', 'approve', 'deny', 'javascript:alert(1)', '//evil.example', 'https://evil.example/', '\u0000', '%FF', 'x'.repeat(3000)),
      // Values the payments' forms take, so that some garbage gets past their first checks.
      fc.constantFrom('stripe', 'demo', 'manual', 'DE89 3704 0044 0532 0130 00', 'DE89370400440532013001', 'GENODEM1GLS', 'Ada Lovelace', '2026-01', 'admin', 'reader', reader.email, reader.id, seeded.payoutId),
    );
    /** A path parameter: nothing, or something real (the seed's payout, thing). */
    const pathParameter = fc.constantFrom('0123456789abcdef01234567', seeded.payoutId, seeded.thingId);
    const cases = (route: AnyRouteSpec) => fc.record({
      form: fc.dictionary(fc.oneof(fc.constantFrom(...(fieldsOf(route).length ? fieldsOf(route) : byHand)), fc.constantFrom(...everyField), fc.string({ maxLength: 12 }),
        fc.constantFrom('__proto__', 'constructor', '_csrf[]', 'email[]', 'amount[]')), garbage, { maxKeys: 8 }),
      csrf: fc.constantFrom('session', 'session', 'none', 'garbage'),
      id: pathParameter,
    });
    const writesBefore = (await target.audit.writes()).length;
    const csrfOf = new Map<PageBrowser, string>();
    const sessionOf = async (route: AnyRouteSpec): Promise<{ browser: PageBrowser; csrf: string }> => {
      const browser = pagesFor(route);
      // Logging out (a form among the others) ends the session: start a new one for the next case.
      if (!browser.cookies.has('flattr_session')) {
        const user = browser === target.adminPages ? target.admin : target.reader;
        await browser.logIn(user.email, user.password);
        csrfOf.delete(browser);
      }
      if (!csrfOf.has(browser)) csrfOf.set(browser, hiddenField((await browser.get('/account')).text, '_csrf'));
      return { browser, csrf: csrfOf.get(browser)! };
    };
    const statuses: Record<string, Record<number, number>> = {};
    // Every form, each with its own cases (a new form is fuzzed without a line here).
    for (const route of forms) {
      await fc.assert(fc.asyncProperty(cases(route), async ({ form, csrf, id }) => {
        const { browser, csrf: sessionToken } = await sessionOf(route);
        const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'action' ? 'pause' : id));
        const body = new URLSearchParams(Object.entries(form) as Array<[string, string]>);
        if (csrf === 'session') body.set('_csrf', sessionToken);
        else if (csrf === 'garbage') body.set('_csrf', 'x'.repeat(43));
        else body.delete('_csrf');
        const res = await browser.postForm(path, Object.fromEntries(body), { origin: target.server.url });
        (statuses[`POST ${route.path}`] ??= {})[res.status] = (statuses[`POST ${route.path}`]![res.status] ?? 0) + 1;
        const answer: RawResponse = { status: res.status, headers: Object.fromEntries(res.headers), body: res.text };
        assertProperAnswer(route, `POST ${path} ${JSON.stringify(Object.fromEntries(body)).slice(0, 300)}`, answer);
        if (csrf !== 'session') assert.ok(res.status === 403 || res.status === 400 || res.status === 303, `POST ${path} without the session's CSRF token → ${res.status}`);
      }), { seed: SEED, numRuns: Math.max(8, Math.ceil(RUNS / 5)) });
    }
    console.log(`forms: ${forms.length} forms, ${Object.values(statuses).reduce((n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0)} posts; ${JSON.stringify(statuses)}`);
    await assertNothingWrittenByRefusals(writesBefore);
  });

  it('answers garbage in the query of every page with a page, a redirect or a 4xx', async () => {
    const pages = routes.filter((r) => r.method === 'get' && (servesPages(r) || r.tags.includes('pages')));
    const query = fc.dictionary(fc.oneof(fc.constantFrom('next', 'done', 'url', 'title', 'origin', 'client_id', 'redirect_uri', 'state'), fc.string({ maxLength: 8 })),
      fc.string({ unit: 'binary', maxLength: 60 }), { maxKeys: 6 });
    const writesBefore = (await target.audit.writes()).length;
    await fc.assert(fc.asyncProperty(pick(pages), query, fc.boolean(), async (name, fields, withSession) => {
      const route = routeOf(name);
      const requestTarget = `${route.path}?${new URLSearchParams(fields)}`;
      const res = await rawRequest(target.server.url, { method: 'GET', target: requestTarget, headers: withSession ? credentials(route) : {} });
      assertProperAnswer(route, `GET ${requestTarget.slice(0, 300)}`, res);
    }), { seed: SEED, numRuns: RUNS });
    await assertNothingWrittenByRefusals(writesBefore);
  });
});
