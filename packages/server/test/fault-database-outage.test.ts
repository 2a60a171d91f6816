/**
 * The database goes away under a steady stream of clicks, then comes back.
 * Toxiproxy sits between the real server and the database: `cut` closes the
 * line (open connections reset, new ones refused: the database process died),
 * `blackhole` keeps the connections open but passes no byte (a network
 * partition: only timeouts end the wait). Each time:
 * requests during the outage answer 503 problem+json `database_unavailable`
 * with Retry-After within a bounded time (no hang, no 500; the rate limiters,
 * which count in the same database, fail open and count in memory), the same server
 * process answers 2xx again once the line is back, and every click that got a
 * 2xx is in the database afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MongoClient, ObjectId } from 'mongodb';
import {
  signup, startClickStream, startProxiedDatabase, startTestServer, testClient,
  type Click, type ProxiedDatabase, type TestServer,
} from '../src/testing/index.js';

/** The server's database timeouts in this test (config: MONGODB_SERVER_SELECTION_TIMEOUT_MS, MONGODB_SOCKET_TIMEOUT_MS). */
const SELECTION_MS = 2000;
const SOCKET_MS = 3000;
/** The rate limiters' bound on each call to their store (RATE_LIMIT_STORE_TIMEOUT_MS, its default), after which they count in memory. */
const LIMITER_STORE_MS = 1000;
/**
 * No answer may take longer than this: what the timeouts above allow, with room for a loaded machine.
 * A blackholed request waits for two limiters (per IP, per account) and then, for each of up to two
 * database operations, the socket timeout twice (the driver retries a read or write once after a
 * network error): 2 × 1 s + 2 × 2 × 3 s = 14 s; 15.1 s measured. The stream gives up on a request
 * after 30 s and records it unanswered, which fails the test too.
 */
const ANSWER_BOUND_MS = 2 * LIMITER_STORE_MS + 2 * 2 * SOCKET_MS + 6000;
/** Long enough for several answers to come back inside the outage (a blackholed request takes up to the bound above). */
const OUTAGE_MS = { cut: 8000, blackhole: 20_000 };

describe('the database unreachable during a steady stream of clicks, then back', { timeout: 10 * 60_000 }, () => {
  let database: ProxiedDatabase;
  let server: TestServer;
  let direct: MongoClient;
  const tokens: string[] = [];

  before(async () => {
    database = await startProxiedDatabase();
    server = await startTestServer({
      env: {
        MONGODB_URI: database.uri,
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: String(SELECTION_MS),
        MONGODB_SOCKET_TIMEOUT_MS: String(SOCKET_MS),
        RATE_LIMIT_STORE_TIMEOUT_MS: String(LIMITER_STORE_MS),
        ACCESS_TOKEN_TTL_SECONDS: '3600',
      },
    });
    const api = testClient(server.url);
    for (let i = 0; i < 8; i += 1) tokens.push((await signup(api)).token);
    direct = new MongoClient(database.directUri);
    await direct.connect();
  });
  after(async () => {
    await database?.line.restore().catch(() => {});
    await server?.close();
    await direct?.close();
    await database?.stop();
  });

  for (const fault of ['cut', 'blackhole'] as const) {
    it(`${fault === 'cut' ? 'cut (connections reset, new ones refused)' : 'blackholed (connections open, no byte passes)'}: 503 with Retry-After during the outage, no hang, recovery without restart, every acknowledged click stored`, async () => {
      const run = `${fault}-${randomBytes(3).toString('hex')}`;
      const stream = startClickStream({ baseUrl: () => server.url, tokens, run, workers: 4, pauseMs: 50 });
      const acknowledged = (since = 0) => stream.clicks.filter((c) => c.status >= 200 && c.status < 300 && c.sentAt >= since).length;
      let cutAt = 0;
      let restoredAt = 0;
      try {
        await until(() => acknowledged() >= 20, 60_000, 'clicks acknowledged before the outage');
        cutAt = Date.now();
        await (fault === 'cut' ? database.line.cut() : database.line.blackhole());
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS[fault]));
        restoredAt = Date.now();
        await database.line.restore();
        await until(() => acknowledged(restoredAt) >= 20, 60_000, 'clicks acknowledged after the line is back (same server process)');
      } finally {
        const clicks = await stream.stop();
        if (!(acknowledged(restoredAt || Infinity) >= 20)) {
          const phase = (c: Click) => (!cutAt || c.sentAt < cutAt ? 'before' : !restoredAt || c.sentAt < restoredAt ? 'during' : 'after');
          for (const name of ['before', 'during', 'after']) console.log(`${fault} ${name}: ${tally(clicks.filter((c) => phase(c) === name))}`);
        }
      }
      const clicks = stream.clicks;
      const recoveredAt = Math.min(...clicks.filter((c) => c.status >= 200 && c.status < 300 && c.sentAt >= restoredAt).map((c) => c.sentAt + c.ms));

      // Sent after the cut and answered before the line came back: the outage, nothing else.
      const during = clicks.filter((c) => c.sentAt >= cutAt && c.sentAt + c.ms < restoredAt);
      console.log(`${fault}: ${clicks.length} clicks; during the ${OUTAGE_MS[fault]} ms outage ${during.length} answered: ${tally(during)}; `
        + `all: ${tally(clicks)}; slowest answer ${Math.max(...clicks.map((c) => c.ms))} ms (outage: ${Math.max(0, ...during.map((c) => c.ms))} ms); `
        + `first 2xx ${recoveredAt - restoredAt} ms after the line came back`);

      assert.deepEqual(clicks.filter((c) => c.status === 0).map(show), [], 'requests without an answer (hung or dropped)');
      assert.deepEqual(clicks.filter((c) => c.status >= 500 && c.status !== 503).map(show), [], 'server errors other than 503');
      assert.deepEqual(clicks.filter((c) => c.ms > ANSWER_BOUND_MS).map(show), [], `answers slower than ${ANSWER_BOUND_MS} ms`);
      assert.ok(during.length >= 4, `requests were answered during the outage (${during.length})`);
      const wrong = during.filter((c) => !(c.status === 503 && c.code === 'database_unavailable' && /^application\/problem\+json/.test(c.contentType ?? '') && Number(c.retryAfter) > 0));
      assert.deepEqual(wrong.map(show), [], 'during the outage every answer is 503 problem+json database_unavailable with Retry-After');
      // The rate limiters count in the same database: they fail open (an in-memory count per instance,
      // docs/security.md "When the database is slow or gone"), so the outage is neither a 429 nor a 500
      // of theirs, and every answer still carries the per-IP policy, counted before anything else. (The
      // per-account one only where the request got past authentication, which may itself need the database.)
      const uncounted = during.filter((c) => !/"ip";r=\d+/.test(c.rateLimit ?? ''));
      assert.deepEqual(uncounted.map(show), [], 'during the outage the limiters still count every request (in memory)');
      const unavailable = clicks.filter((c) => c.status === 503);
      assert.ok(unavailable.every((c) => c.code === 'database_unavailable' && Number(c.retryAfter) > 0), 'every 503 says database_unavailable and when to retry');

      // Every click answered 2xx is stored, read straight from the database (not through the line).
      const ids = clicks.filter((c) => c.status >= 200 && c.status < 300).map((c) => new ObjectId(c.flattrId!));
      const stored = await direct.db(server.config.mongodbDb).collection('flattrs').countDocuments({ _id: { $in: ids } });
      console.log(`${fault}: ${ids.length} acknowledged clicks, ${stored} of them in the database`);
      assert.equal(stored, ids.length, 'acknowledged clicks lost');
    });
  }
});

function tally(clicks: Click[]): string {
  const counts = new Map<string, number>();
  for (const c of clicks) {
    const key = c.status === 0 ? `no answer (${c.error})` : `${c.status}${c.code ? ` ${c.code}` : ''}${c.status === 503 || c.status < 300 ? '' : ` (${c.detail})`}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none';
}

function show(c: Click): string {
  return `click ${c.index}: ${c.status} ${c.code ?? c.error ?? ''} after ${c.ms} ms (${c.contentType ?? 'no type'}, Retry-After ${c.retryAfter ?? 'none'}, RateLimit ${c.rateLimit ?? 'none'})`;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
