/**
 * Mixed-load benchmark: 60 s of the traffic a Flattr server sees, at a fixed concurrency, against the
 * real server in its own process: button counts (GET /v1/counts, ten URLs each), balance reads
 * (GET /v1/me/balance), clicks (POST /v1/flattrs) and password logins (POST /v1/auth/login), each
 * kind on its own share of the connections, all at once. Measures throughput, p50/p99 per kind and
 * overall, errors (goal 0), and the server's RSS at start, after the warm-up and at the end (goal:
 * less than 10 % growth after the warm-up), sampled every 5 s in between. In the same run, the same
 * load against a baseline: bare Express routes on the same database doing the least each kind needs
 * (a read by _id for counts and balances, one insert for a click, a read and scrypt for a login).
 * Runnable alone: `node --import tsx bench/run.ts mixed-load`.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { MongoClient } from 'mongodb';
import {
  BENCH_PASSWORD, cpuSeconds, databasePid, describeDatabase, signupReaders, startBenchServer, stopBenchServer, UNREACHED_RATE_LIMITS,
  type BenchServer,
} from './bench-server.js';

const DURATION_S = Number(process.env.BENCH_MIXED_DURATION_S ?? 60);
const WARMUP_S = Number(process.env.BENCH_MIXED_WARMUP_S ?? 15);
const READERS = 100;
/** Things the clicks go to (created by the first click on each, as a button's first click does). */
const THINGS = 2000;
const COUNT_URLS = 10;
const RSS_SAMPLE_MS = 5000;
/** After a load stops, the wait before its memory is read. */
const QUIET_MS = 2000;

type Kind = 'counts' | 'balance' | 'clicks' | 'logins';
/**
 * Connections per kind: 32 in all. Counts come from every page view with buttons, so they are the
 * most; logins the fewest (one scrypt each: about 100 ms of CPU on a libuv thread and 32 MiB of
 * memory while it runs, which also moves RSS by that much per login in flight).
 */
const CONNECTIONS: Record<Kind, number> = { counts: 14, balance: 8, clicks: 8, logins: 2 };
const KINDS = Object.keys(CONNECTIONS) as Kind[];
const TOTAL_CONNECTIONS = Object.values(CONNECTIONS).reduce((a, n) => a + n, 0);

interface KindResult { requests: number; perSecond: number; p50: number; p99: number; non2xx: number; errors: number }
interface MixResult {
  kinds: Record<Kind, KindResult>;
  all: KindResult;
  /** CPU ms per answered request: the server process and the database (when this run started it). */
  cpu: { server: number | null; database: number | null };
}
interface Memory { rssMb: number; heapUsedMb: number }
interface MemoryTrace { start: Memory; afterWarmup: Memory; end: Memory; samples: Memory[] }

export async function benchMixedLoad(): Promise<string> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI must be set (run through `npm run bench`)');
  const dbName = `bench_mixed_${randomBytes(4).toString('hex')}`;
  const env = { ...UNREACHED_RATE_LIMITS, ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName };
  const database = await describeDatabase(uri);
  const loadAtStart = loadavg();

  let flattr: { result: MixResult; memory: MemoryTrace };
  let baseline: { result: MixResult; memory: MemoryTrace };
  const server = await startBenchServer({ ...env, MODE: 'flattr' });
  try {
    const start = await memoryOf(server);
    const readers = await signupReaders(server.url, READERS);
    const run = randomBytes(3).toString('hex');
    const thingUrl = (t: number) => `https://mixed-${run}-${t % 20}.example/post/${t}`;
    let clicks = 0;
    let counts = 0;
    let balances = 0;
    let logins = 0;
    const requests: Record<Kind, autocannon.Request> = {
      // Ten URLs of the load's things, as one page of a blog shows them (some clicked already, some not yet).
      counts: {
        method: 'GET',
        setupRequest: (req: any) => {
          const first = (counts++ * COUNT_URLS) % THINGS;
          req.path = `/v1/counts?${Array.from({ length: COUNT_URLS }, (_, k) => `url=${encodeURIComponent(thingUrl((first + k) % THINGS))}`).join('&')}`;
          return req;
        },
      },
      balance: {
        method: 'GET',
        path: '/v1/me/balance',
        setupRequest: (req: any) => {
          req.headers = { authorization: `Bearer ${readers[balances++ % READERS]!.token}` };
          return req;
        },
      },
      // Click i: thing i mod T by reader (i + ⌊i/T⌋) mod R, a new (reader, thing) pair for each of the first R × T clicks.
      clicks: {
        method: 'POST',
        path: '/v1/flattrs',
        setupRequest: (req: any) => {
          const i = clicks++;
          const thing = i % THINGS;
          const reader = (i + Math.floor(i / THINGS)) % READERS;
          req.headers = { 'content-type': 'application/json', authorization: `Bearer ${readers[reader]!.token}`, 'idempotency-key': `${run}-${i}` };
          req.body = JSON.stringify({ url: thingUrl(thing), title: `Post ${thing}` });
          return req;
        },
      },
      logins: {
        method: 'POST',
        path: '/v1/auth/login',
        setupRequest: (req: any) => {
          req.headers = { 'content-type': 'application/json' };
          req.body = JSON.stringify({ email: readers[logins++ % READERS]!.email, password: BENCH_PASSWORD });
          return req;
        },
      },
    };
    flattr = await measure(server, requests, start);
  } finally {
    await stopBenchServer(server);
  }

  const bare = await startBenchServer({ ...env, MODE: 'baseline' });
  try {
    const start = await memoryOf(bare);
    let reads = 0;
    let inserts = 0;
    const read = (ids: number): autocannon.Request => ({
      method: 'GET',
      setupRequest: (req: any) => {
        const first = reads++;
        req.path = `/baseline/read?${Array.from({ length: ids }, (_, k) => `id=doc-${(first + k) % THINGS}`).join('&')}`;
        return req;
      },
    });
    baseline = await measure(bare, {
      counts: read(COUNT_URLS),
      balance: read(1),
      clicks: {
        method: 'POST',
        path: '/baseline',
        setupRequest: (req: any) => {
          const i = inserts++;
          req.headers = { 'content-type': 'application/json' };
          req.body = JSON.stringify({ url: `https://baseline.example/post/${i}`, title: `Post ${i}` });
          return req;
        },
      },
      logins: { method: 'POST', path: '/baseline/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: BENCH_PASSWORD }) },
    }, start);
  } finally {
    await stopBenchServer(bare);
  }

  const client = new MongoClient(uri);
  await client.connect();
  await client.db(dbName).dropDatabase().catch(() => {});
  await client.close();
  return render(flattr, baseline, database, loadAtStart);
}

/** Warm-up, then the timed load with the server's memory sampled, then its memory at the end. */
async function measure(server: BenchServer, requests: Record<Kind, autocannon.Request>, start: Memory): Promise<{ result: MixResult; memory: MemoryTrace }> {
  await mix(server, requests, WARMUP_S);
  const afterWarmup = await quietMemoryOf(server);
  const samples: Memory[] = [];
  const sampler = setInterval(() => void memoryOf(server).then((m) => samples.push(m)), RSS_SAMPLE_MS);
  let result: MixResult;
  try {
    result = await mix(server, requests, DURATION_S);
  } finally {
    clearInterval(sampler);
  }
  const end = await quietMemoryOf(server);
  return { result, memory: { start, afterWarmup, end, samples } };
}

/**
 * Memory once the requests still in flight when the load stopped are done: the figures to compare
 * (logins in flight each hold scrypt's 32 MiB, which would make the comparison a lottery).
 */
async function quietMemoryOf(server: BenchServer): Promise<Memory> {
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  return memoryOf(server);
}

/** Every kind at once, each on its connections, for `seconds`; latencies recorded per response. */
async function mix(server: BenchServer, requests: Record<Kind, autocannon.Request>, seconds: number): Promise<MixResult> {
  const dbPid = databasePid();
  const cpuBefore = { server: cpuSeconds(server.child.pid), database: cpuSeconds(dbPid) };
  const latencies: Record<Kind, number[]> = { counts: [], balance: [], clicks: [], logins: [] };
  const runs = KINDS.map((kind) => new Promise<readonly [Kind, autocannon.Result]>((resolve, reject) => {
    const options = { url: server.url, connections: CONNECTIONS[kind], duration: seconds, requests: [requests[kind]], timeout: 10 };
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve([kind, result])));
    instance.on('response', (_client, _status, _bytes, ms) => latencies[kind].push(ms));
  }));
  const results = Object.fromEntries(await Promise.all(runs)) as Record<Kind, autocannon.Result>;
  const kinds = Object.fromEntries(KINDS.map((kind) => [kind, summarize(latencies[kind], results[kind], seconds)])) as Record<Kind, KindResult>;
  const all: KindResult = {
    ...percentiles(KINDS.flatMap((kind) => latencies[kind])),
    requests: KINDS.reduce((a, k) => a + kinds[k].requests, 0),
    perSecond: KINDS.reduce((a, k) => a + kinds[k].perSecond, 0),
    non2xx: KINDS.reduce((a, k) => a + kinds[k].non2xx, 0),
    errors: KINDS.reduce((a, k) => a + kinds[k].errors, 0),
  };
  const answered = Math.max(1, all.requests - all.non2xx - all.errors);
  const perRequest = (after: number | null, before: number | null) => (after === null || before === null ? null : ((after - before) * 1000) / answered);
  return { kinds, all, cpu: { server: perRequest(cpuSeconds(server.child.pid), cpuBefore.server), database: perRequest(cpuSeconds(dbPid), cpuBefore.database) } };
}

function summarize(latencies: number[], result: autocannon.Result, seconds: number): KindResult {
  return {
    ...percentiles(latencies),
    requests: result.requests.total,
    perSecond: result.requests.total / seconds,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
  return { p50: at(0.5), p99: at(0.99) };
}

async function memoryOf(server: BenchServer): Promise<Memory> {
  const m = await server.memory();
  return { rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20 };
}

function render(flattr: { result: MixResult; memory: MemoryTrace }, baseline: { result: MixResult; memory: MemoryTrace }, database: string, loadAtStart: number[]): string {
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
  const row = (target: string, kind: string, r: KindResult) => `| ${target} | ${kind} | ${CONNECTIONS[kind as Kind] ?? TOTAL_CONNECTIONS} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.requests} | ${r.non2xx} | ${r.errors} |`;
  const rows = (target: string, result: MixResult) => [...KINDS.map((kind) => row(target, kind, result.kinds[kind])), row(target, '**all**', result.all)];
  const growth = (m: MemoryTrace) => ((m.end.rssMb - m.afterWarmup.rssMb) / m.afterWarmup.rssMb) * 100;
  const memoryRow = (target: string, m: MemoryTrace) => `| ${target} | ${m.start.rssMb.toFixed(0)} | ${m.afterWarmup.rssMb.toFixed(0)} | ${m.end.rssMb.toFixed(0)} | **${growth(m) >= 0 ? '+' : ''}${growth(m).toFixed(1)} %** | ${m.samples.map((s) => s.rssMb.toFixed(0)).join(', ')} | ${m.afterWarmup.heapUsedMb.toFixed(0)} → ${m.end.heapUsedMb.toFixed(0)} |`;
  const cpu = (r: MixResult) => `${r.cpu.server === null ? '–' : r.cpu.server.toFixed(2)} ms in the server${r.cpu.database === null ? '' : `, ${r.cpu.database.toFixed(2)} ms in the database`}`;
  const errors = flattr.result.all.non2xx + flattr.result.all.errors;
  const loadAtEnd = loadavg();
  return [
    '## Mixed load: counts, balance reads, clicks and logins at once',
    '',
    `Command: \`cd packages/server && node ../../scripts/with-database.mjs node --import tsx bench/run.ts mixed-load\` (also part of \`npm run bench\`; code: \`packages/server/bench/mixed-load.ts\`). ${TOTAL_CONNECTIONS} connections at all times (${KINDS.map((k) => `${CONNECTIONS[k]} ${k}`).join(', ')}), each kind its own autocannon instance in the bench process, all running together; ${DURATION_S} s timed after a ${WARMUP_S} s warm-up; the server in its own process on 127.0.0.1. Database: ${database}. ${READERS} readers signed up before the run.`,
    `Requests: counts \`GET /v1/counts\` with ${COUNT_URLS} URLs of the load's things; balance \`GET /v1/me/balance\` (a reader's JWT); clicks \`POST /v1/flattrs\` (click i: thing i mod ${THINGS} by reader (i + ⌊i/${THINGS}⌋) mod ${READERS}, an Idempotency-Key each; the first click on a thing creates it); logins \`POST /v1/auth/login\` with the right password (scrypt N=2^15, r=8). Rate limits are on, set far above what this load reaches (\`UNREACHED_RATE_LIMITS\` in \`bench/bench-server.ts\`: 10^9 per window), so every request pays for the limiters' database writes but none is refused; \`RATE_LIMITS=off\` measures without them. Baseline, measured in the same run with the same connections and durations: bare Express routes on the same database, counts → one \`find\` of ${COUNT_URLS} ids, balance → one \`find\` of one id, clicks → one \`insertOne\`, logins → one \`findOne\` and the same scrypt check.`,
    '',
    '| target | kind | connections | req/s | p50 ms | p99 ms | requests | non-2xx | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows('Flattr server', flattr.result),
    ...rows('baseline', baseline.result),
    '',
    `Errors and non-2xx answers of the Flattr server: **${errors}** (goal 0). Throughput **${(flattr.result.all.perSecond / baseline.result.all.perSecond).toFixed(2)}×** the baseline's in all (${KINDS.map((k) => `${k} ${(flattr.result.kinds[k].perSecond / baseline.result.kinds[k].perSecond).toFixed(2)}×`).join(', ')}). CPU per answered request: Flattr server ${cpu(flattr.result)}; baseline ${cpu(baseline.result)}.`,
    '',
    `Memory of the server process (\`process.memoryUsage()\`, MiB): at start (listening, before the readers signed up), ${QUIET_MS / 1000} s after the ${WARMUP_S} s warm-up and ${QUIET_MS / 1000} s after the timed run (the requests in flight done: a login in flight holds scrypt's 32 MiB); RSS sampled every ${RSS_SAMPLE_MS / 1000} s during the timed run (logins in flight included). No forced garbage collection. Goal: RSS at the end less than 10 % above the RSS after the warm-up.`,
    '',
    '| target | RSS start | RSS after warm-up | RSS end | growth after warm-up | RSS during the run | heap used after warm-up → end |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    memoryRow('Flattr server', flattr.memory),
    memoryRow('baseline', baseline.memory),
    '',
    `Load average at the start ${loadAtStart.map((l) => l.toFixed(1)).join(', ')} and at the end ${loadAtEnd.map((l) => l.toFixed(1)).join(', ')} on ${availableParallelism()} cores: the machine is shared with other people's test runs, so compare the two targets of one run, not runs. The stand-in keeps every document in the JVM's memory and runs each collection's operations one at a time; point \`MONGODB_URI\` at a real \`mongod\` for figures that mean something for a deployment.`,
  ].join('\n');
}
