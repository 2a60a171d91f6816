/**
 * The database becomes unreachable in the middle of a distribution run (the
 * real CLI, through a Toxiproxy line the test cuts or blackholes): the run
 * stops with a clear error and exit code 5 instead of hanging or half-writing
 * quietly, the run document says it is unfinished, and once the line is back
 * the same command finishes it with a ledger identical to an uninterrupted run
 * of the same data in another database (as test/crash-distribution.test.ts
 * compares them).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { seedDemoData } from '../src/seed/index.js';
import { ledgerDiff, ledgerHash, startProxiedDatabase, type ProxiedDatabase } from '../src/testing/index.js';

const serverDir = path.resolve(import.meta.dirname, '..');
const PERIOD = '2026-02';
const SEED = { readers: 120, clicks: 600, period: PERIOD, seed: 'outage' };
/** Six months earlier: its escrow goes back in PERIOD's returns stage. */
const OLD = { readers: 20, clicks: 100, period: '2025-08', seed: 'outage-old' };
/** The CLI must give up within this after the line goes (its timeouts below, a retry, a loaded machine). */
const GIVE_UP_BOUND_MS = 60_000;

interface CliRun { code: number | null; out: string; ms: number }
/** The run document's fields this test reads (src/distribution/run-doc.ts). */
interface RunDoc { _id: string; stage: string; status?: string; progress: { readersDone: number }; stageTimes?: Record<string, number> }

describe('the database unreachable during a distribution', { timeout: 10 * 60_000 }, () => {
  let database: ProxiedDatabase;
  let client: MongoClient;
  const dbNames: string[] = [];

  /** `flattr-server …` in a child process, on `dbName`, through the line or straight to the database. */
  function cli(dbName: string, args: string[], through: 'line' | 'direct' = 'direct'): { done: Promise<CliRun> } {
    const started = Date.now();
    const child = spawn(process.execPath, ['bin/flattr-server.mjs', ...args], {
      cwd: serverDir,
      env: {
        ...process.env,
        MONGODB_URI: through === 'line' ? database.uri : database.directUri,
        MONGODB_DB: dbName,
        UNCLAIMED_MONTHS: '6',
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: '2000',
        MONGODB_SOCKET_TIMEOUT_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    return { done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, ms: Date.now() - started }))) };
  }

  async function seededDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${randomBytes(5).toString('hex')}`;
    dbNames.push(name);
    await seedDemoData(client.db(name), OLD);
    const old = await cli(name, ['distribute', '--period', OLD.period, '--no-progress']).done;
    assert.equal(old.code, 0, old.out);
    await seedDemoData(client.db(name), SEED);
    return name;
  }

  let reference: Promise<string> | undefined;
  /** The uninterrupted run of the same data, in a database of its own. */
  const referenceHash = () => (reference ??= (async () => {
    const name = await seededDatabase('outage_reference');
    const run = await cli(name, ['distribute', '--period', PERIOD, '--no-progress']).done;
    assert.equal(run.code, 0, run.out);
    return name;
  })());

  before(async () => {
    database = await startProxiedDatabase();
    client = new MongoClient(database.directUri);
    await client.connect();
  });
  after(async () => {
    await database?.line.restore().catch(() => {});
    for (const name of dbNames) await client?.db(name).dropDatabase().catch(() => {});
    await client?.close();
    await database?.stop();
  });

  // Aimed by the run document's checkpoints (read straight from the database, not through the line), so the
  // line goes inside a stage whatever the machine's speed: through the slowed line the run lasts a few
  // seconds (snapshot, write, apply, then the returns stage, the longest).
  const aims = [
    { fault: 'cut', stage: 'write', where: 'in the write stage, after its first checkpoint', ready: (d: RunDoc) => d.stage === 'write' && d.progress.readersDone > 0, thenMs: 0 },
    { fault: 'blackhole', stage: 'returns', where: 'in the returns stage', ready: (d: RunDoc) => d.stage === 'returns', thenMs: 300 },
  ] as const;
  for (const { fault, stage, where, ready, thenMs } of aims) {
    it(`line ${fault === 'cut' ? 'cut' : 'blackholed'} ${where}: the CLI stops with exit code 5 and says to run it again; the re-run ends with the uninterrupted run's ledger`, async () => {
      const referenceDb = await referenceHash();
      const name = await seededDatabase('outage');
      const runs = client.db(name).collection<RunDoc>('distributions');
      // A slow line (every reply 10 ms late) and small batches: the run lasts seconds and has many writes to be cut between and within.
      await database.line.slow(10);
      const first = cli(name, ['distribute', '--period', PERIOD, '--no-progress', '--batch-readers', '15'], 'line');
      let ended = false;
      void first.done.then(() => (ended = true));
      for (;;) {
        const doc = await runs.findOne({ _id: PERIOD }, { projection: { stage: 1, progress: 1 } });
        if (ended || (doc && ready(doc))) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, thenMs));
      // (Not `assert.equal(ended, false, \`…${await first.done}\`)`: the message is built first, and would wait for the run's end.)
      if (ended) assert.fail(`the run ended before the line went: ${(await first.done).out}`);
      const cutAt = Date.now();
      let stopped: CliRun;
      let gaveUpMs: number;
      try {
        await (fault === 'cut' ? database.line.cut() : database.line.blackhole());
        stopped = await first.done;
        gaveUpMs = Date.now() - cutAt;
      } finally {
        await database.line.restore();
      }
      const doc = await runs.findOne({ _id: PERIOD });
      console.log(`${fault} ${where}: the CLI exited ${stopped.code} ${gaveUpMs} ms after the line went, run document stage ${doc?.stage} status ${doc?.status} (stage times ${JSON.stringify(doc?.stageTimes)}); it said: ${stopped.out.trim().split('\n').at(-1)}`);
      assert.equal(stopped.code, 5, stopped.out);
      assert.match(stopped.out, /database became unreachable.*run the same command again/);
      assert.ok(gaveUpMs < GIVE_UP_BOUND_MS, `gave up after ${gaveUpMs} ms`);
      assert.notEqual(doc?.status, 'done', 'the run document shows the run unfinished');
      assert.equal(doc?.stage, stage, `the line went ${where}`);

      const rerun = await cli(name, ['distribute', '--period', PERIOD, '--no-progress'], 'line').done;
      assert.equal(rerun.code, 0, rerun.out);
      if ((await ledgerHash(client.db(name))) !== (await ledgerHash(client.db(referenceDb)))) {
        assert.fail(`the ledger differs from the uninterrupted run\n${await ledgerDiff(client.db(name), client.db(referenceDb))}`);
      }
      const verify = await cli(name, ['ledger', 'verify']).done;
      assert.equal(verify.code, 0, verify.out);
    });
  }
});
