/**
 * The API as an outsider's fuzzer sees it: schemathesis (PyPI, pinned in
 * src/testing/tools/schemathesis.ts) generates requests for every operation of
 * /v1/openapi.json (valid ones, and invalid ones that break the schema on
 * purpose) and sends them to the real server on loopback with payments and
 * mail on (stripe-mock, the development outbox, SEPA: helpers/fuzz-target.ts),
 * authenticated as a reader (JWT and page session) and, for /v1/admin/* and
 * /admin, as an admin (test/fuzz/schemathesis.toml); the Stripe webhook gets
 * what schemathesis makes of its signature header (never a valid one: every
 * delivery must be refused, writing nothing). One subtest per operation, so the summary
 * line counts them. Deterministic: a fixed seed, no example database.
 * FUZZ_SEED and FUZZ_EXAMPLES change the seed and the examples per operation.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureSchemathesis, runSchemathesis, type FuzzReport } from '../src/testing/tools/index.js';
import { MAY_CHANGE_WHEN_REFUSED, startFuzzTarget, type FuzzTarget } from './helpers/fuzz-target.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 25);
const CONFIG = path.join(import.meta.dirname, 'fuzz', 'schemathesis.toml');
/** What every answer must satisfy (schemathesis' names). */
const CONTRACT = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance', 'ignored_auth'];

describe('fuzzing every operation of /v1/openapi.json (schemathesis)', { timeout: 20 * 60_000 }, () => {
  let target: FuzzTarget;
  let documented: string[];
  let workDir: string;

  before(async () => {
    await ensureSchemathesis((line) => console.log(line));
    // Long-lived tokens: the run must not reach the access token's end.
    target = await startFuzzTarget({ ACCESS_TOKEN_TTL_SECONDS: '3600' });
    const doc = (await target.api.get('/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    // Schemathesis reads the document from GET /v1/openapi.json and does not fuzz that operation itself.
    documented = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`))
      .filter((op) => op !== 'GET /v1/openapi.json').sort();
    workDir = await mkdtemp(path.join(tmpdir(), 'flattr-fuzz-'));
  });
  after(async () => {
    await target?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const fuzz = (name: string, mode: 'all' | 'negative', phases: string[], checks: string[]) => runSchemathesis({
    url: target.server.url,
    configFile: CONFIG,
    env: {
      FLATTR_FUZZ_READER_TOKEN: target.reader.token,
      FLATTR_FUZZ_ADMIN_TOKEN: target.admin.token,
      FLATTR_FUZZ_SESSION: target.readerPages.cookies.get('flattr_session')!,
      FLATTR_FUZZ_ADMIN_SESSION: target.adminPages.cookies.get('flattr_session')!,
    },
    mode, phases, checks, seed: SEED, maxExamples: EXAMPLES,
    reportDir: path.join(workDir, name),
  });

  /** One subtest per documented operation (and one for the stateful sequences): its failures, or a pass. */
  async function perOperation(t: { test: (name: string, fn: () => void) => Promise<void> }, report: FuzzReport): Promise<void> {
    const untested = documented.filter((op) => !report.operations.has(op));
    assert.deepEqual(untested, [], `operations schemathesis did not test:\n${report.output.slice(-3000)}`);
    for (const op of [...documented, ...[...report.operations.keys()].filter((l) => !documented.includes(l))]) {
      const result = report.operations.get(op)!;
      await t.test(`${op} (${result.requests} requests: ${Object.entries(result.statuses).map(([s, n]) => `${n}× ${s}`).join(', ')})`, () => {
        assert.deepEqual(result.failures, []);
      });
    }
  }

  it('answers every generated request as documented: no 5xx, documented status codes, content types and headers, bodies that match their schemas', async (t) => {
    const [refusedBefore, rehashedBefore] = [await target.audit.refused(), await target.audit.rehashed()];
    const report = await fuzz('contract', 'all', ['coverage', 'fuzzing', 'stateful'], CONTRACT);
    const serverErrors = Object.entries(report.statuses).filter(([s]) => s.startsWith('5') || s === 'no answer');
    console.log(`schemathesis, valid and invalid data: ${documented.length} operations, ${report.requests} requests, answers ${JSON.stringify(report.statuses)}; ${await target.audit.refused() - refusedBefore} refused (4xx), of which ${await target.audit.rehashed() - rehashedBefore} sent write commands and had those collections hashed again`);
    await perOperation(t, report);
    assert.deepEqual(serverErrors, [], '5xx answers or requests without an answer');
    assert.deepEqual(await target.audit.writes(), [], 'requests answered 4xx changed the database');
  });

  it('refuses invalid data with a 4xx and writes nothing for it: every collection is unchanged by each refused request', async (t) => {
    const [refusedBefore, rehashedBefore] = [await target.audit.refused(), await target.audit.rehashed()];
    const writesBefore = (await target.audit.writes()).length;
    const report = await fuzz('refusals', 'negative', ['coverage', 'fuzzing'], [...CONTRACT, 'negative_data_rejection']);
    const refused = await target.audit.refused() - refusedBefore;
    console.log(`schemathesis, invalid data only: ${report.requests} requests, answers ${JSON.stringify(report.statuses)}; ${refused} refused, of which ${await target.audit.rehashed() - rehashedBefore} sent write commands and had those collections hashed again${MAY_CHANGE_WHEN_REFUSED.length ? ` but ${MAY_CHANGE_WHEN_REFUSED.join(', ')}` : ''}`);
    await perOperation(t, report);
    assert.ok(refused > report.requests / 2, `most invalid requests are refused (${refused} of ${report.requests})`);
    assert.deepEqual((await target.audit.writes()).slice(writesBefore), [], 'requests answered 4xx changed the database');
  });
});
