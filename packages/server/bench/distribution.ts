// Distribution benchmark: seed N clicks (~10 per reader), run `flattr-server distribute` as a child
// process (wall time and its peak RSS via process.resourceUsage in the child), and in the same run the
// baseline: a bare cursor scan over the same clicks plus a bulk insert of the run's own journal entries
// again (and, for comparison, of as many small ones). Runnable alone: `node --import tsx bench/distribution.ts [clicks…]`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startLocalDatabase } from '../src/localdb/index.js';
import { seedDemoData } from '../src/seed/index.js';

const serverDir = path.resolve(import.meta.dirname, '..');
const PERIOD = '2026-01';

interface Measure {
  clicks: number;
  readers: number;
  runMs: number | null;
  runRssMb: number | null;
  /** The baseline's parts: the bare scan of the clicks, then inserting the run's own entries again / as many small ones. */
  scanMs: number;
  sameMs: number;
  smallMs: number;
  entries: number;
  /** Seconds per stage, from the run document. */
  stages: string;
  note?: string;
}

export async function benchDistribution(sizes = (process.env.BENCH_DISTRIBUTION_SIZES ?? '100000,1000000').split(',').map(Number)): Promise<string> {
  let uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI must be set (run through scripts/with-database.mjs)');
  // The stand-in keeps every document in its Java heap: a million clicks need more than the 1 GB the
  // tests' database gets. Against the stand-in, the benchmark starts one of its own with a bigger heap.
  const heap = process.env.BENCH_JAVA_HEAP ?? '6g';
  // BENCH_USE_URI=1: measure the database at MONGODB_URI whatever it is (e.g. a stand-in started by hand).
  const own = process.env.BENCH_USE_URI !== '1' && (await isStandIn(uri)) ? await startLocalDatabase({ env: {}, javaHeap: heap }) : undefined;
  if (own) uri = own.uri;
  const timeoutMs = Number(process.env.BENCH_DISTRIBUTION_TIMEOUT_MS ?? 10 * 60_000);
  const results: Measure[] = [];
  try {
    for (const clicks of sizes) {
      results.push(await measure(uri, clicks, timeoutMs));
      console.error(`[bench distribution] ${JSON.stringify(results[results.length - 1])}`);
    }
  } finally {
    await own?.stop();
  }
  const database = own ? `the local stand-in (mongo-java-server 1.47, in memory, \`-Xmx${heap}\`)`
    : (await isStandIn(uri)) ? 'a mongo-java-server at `MONGODB_URI` (`BENCH_USE_URI=1`)' : 'the mongod at `MONGODB_URI`';
  return render(results, database);
}

/** mongo-java-server answers `buildInfo` with a version only (a mongod also names its git commit). */
async function isStandIn(uri: string): Promise<boolean> {
  const client = new MongoClient(uri);
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    return info.gitVersion === undefined;
  } finally {
    await client.close();
  }
}

async function measure(uri: string, clicks: number, timeoutMs: number): Promise<Measure> {
  const dbName = `bench_dist_${randomBytes(4).toString('hex')}`;
  const client = new MongoClient(uri);
  await client.connect();
  const db = client.db(dbName);
  const readers = Math.max(1, Math.round(clicks / 10));
  try {
    // Indexes first, as the server has them (the CLI creates them too).
    await runCli(uri, dbName, ['ledger', 'verify'], 10 * 60_000).catch(() => undefined);
    await seedDemoData(db, { readers, clicks, period: PERIOD, seed: `bench-${clicks}` });

    const run = await runCli(uri, dbName, ['distribute', '--period', PERIOD, '--no-progress'], timeoutMs);
    if (!run.ok) {
      // Stopped by the timeout: say how far it got, so the rate is known.
      const doc = await db.collection('distributions').findOne({ _id: PERIOD as never });
      if (doc) run.note = `${run.note}; stage ${doc.stage}, ${doc.progress?.clicksDone ?? 0}/${doc.progress?.clicksTotal ?? clicks} clicks written`;
    }
    const entries = await db.collection('journal').countDocuments({ kind: 'distribution', period: PERIOD });
    const runDoc = await db.collection('distributions').findOne({ _id: PERIOD as never });
    const stages = Object.entries((runDoc?.stageTimes ?? {}) as Record<string, number>).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ');

    // Baseline: the least any distribution must do: read the clicks once, write one journal document per
    // paying reader. Measured twice for the writing part: the run's own `dist:` entries copied (the same
    // journal documents), and as many small 3-posting documents (the same number of journal documents).
    let started = performance.now();
    let scanned = 0;
    for await (const _ of db.collection('flattrs').find({ period: PERIOD }, { projection: { readerId: 1, thingId: 1 } }).batchSize(5000)) scanned += 1;
    const scanMs = performance.now() - started;
    if (scanned !== clicks) throw new Error(`baseline scanned ${scanned} clicks, expected ${clicks}`);
    const n = Math.max(entries, 1);
    started = performance.now();
    const small = db.collection('bench_baseline_small');
    for (let i = 0; i < n; i += 1000) {
      await small.insertMany(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        _id: `dist:${PERIOD}:${i + k}` as never, kind: 'distribution', period: PERIOD, createdAt: new Date(), state: 'applied',
        postings: [{ account: `user:${i + k}`, amount: -1000 }, { account: 'platform:fees', amount: 100 }, { account: 'user:creator', amount: 900 }],
      })), { ordered: false });
    }
    const smallMs = performance.now() - started;
    const copies = await db.collection('journal').find({ kind: 'distribution', period: PERIOD }).toArray();
    started = performance.now();
    const same = db.collection('bench_baseline_same');
    for (let i = 0; i < copies.length; i += 1000) await same.insertMany(copies.slice(i, i + 1000), { ordered: false });
    const sameMs = performance.now() - started;
    return {
      clicks, readers, runMs: run.ok ? run.ms : null, runRssMb: run.rssMb, scanMs, sameMs, smallMs, entries, stages,
      note: run.ok ? undefined : run.note,
    };
  } finally {
    await db.dropDatabase().catch(() => {});
    await client.close();
  }
}

/** Runs the real CLI as a child; the child reports its own peak RSS on exit (FLATTR_REPORT_RSS). */
function runCli(uri: string, dbName: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; ms: number; rssMb: number | null; note?: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './bench/distribution-report-rss.ts', 'bin/flattr-server.mjs', ...args], {
      cwd: serverDir,
      env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const rss = /maxRSS=(\d+)/.exec(out);
      const rssMb = rss ? Number(rss[1]) / 1024 : null;
      if (code === 0) resolve({ ok: true, ms, rssMb });
      else resolve({ ok: false, ms, rssMb, note: signal === 'SIGKILL' ? `stopped after ${Math.round(ms / 1000)} s (timeout)` : `exit ${code}: ${out.trim().split('\n').pop()}` });
    });
  });
}

function render(results: Measure[], database: string): string {
  const s = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);
  const ratio = (run: number | null, base: number) => (run === null ? '–' : `${(run / base).toFixed(2)}×`);
  const lines = [
    '## Distribution (`flattr-server distribute`)',
    '',
    'Seeded with `seedDemoData` (~10 clicks per reader, 70 % of things owned), distributed by the real CLI as a child process',
    '(time includes process start, both ledger checks and all five stages). Baseline in the same run: a bare cursor scan over the',
    'same clicks, plus a bulk insert (`insertMany`, 1,000 a call) of (A) the run\'s own `dist:` entries again, i.e. the same journal',
    'documents, or (B) as many small journal documents of 3 postings. Peak RSS is the child\'s `process.resourceUsage().maxRSS`.',
    `Database: ${database}. Absolute figures say little about a real \`mongod\`: run with \`MONGODB_URI\` pointing at one for those.`,
    '',
    '| clicks | readers | distribution | peak RSS | scan | A: scan + same entries | ratio to A | B: scan + small docs | ratio to B | dist entries | stages (s) | note |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...results.map((r) => `| ${r.clicks} | ${r.readers} | ${s(r.runMs)} | ${r.runRssMb === null ? '–' : `${r.runRssMb.toFixed(0)} MB`} | ${s(r.scanMs)} | ${s(r.scanMs + r.sameMs)} | ${ratio(r.runMs, r.scanMs + r.sameMs)} | ${s(r.scanMs + r.smallMs)} | ${ratio(r.runMs, r.scanMs + r.smallMs)} | ${r.entries} | ${r.stages} | ${r.note ?? ''} |`),
  ];
  const [small, large] = results;
  if (small?.runRssMb && large?.runRssMb) {
    lines.push('', `Peak RSS growth from ${small.clicks} to ${large.clicks} clicks: ${(((large.runRssMb / small.runRssMb) - 1) * 100).toFixed(0)} % (goal ≤ 20 %). Ratio goal ≤ 2×.`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  console.log(await benchDistribution(sizes.length ? sizes : undefined));
}
