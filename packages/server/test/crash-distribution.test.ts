import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../src/config/index.js';
import type { ServerContext } from '../src/context.js';
import { distributePeriod } from '../src/distribution/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { startLocalDatabase, type LocalDatabase } from '../src/localdb/index.js';
import { modules } from '../src/modules.js';
import { seedDemoData } from '../src/seed/index.js';
import { systemClock } from '../src/server.js';
import { ledgerDiff, ledgerHash } from '../src/testing/index.js';

const serverDir = path.resolve(import.meta.dirname, '..');
const PERIOD = '2026-02';
const SEED = { readers: 120, clicks: 600, period: PERIOD, seed: 'crash' };
/** Six months earlier (UNCLAIMED_MONTHS = 6): its escrow goes back in PERIOD's returns stage. */
const OLD = { readers: 20, clicks: 100, period: '2025-08', seed: 'crash-old' };
const KILLS = Number(process.env.CRASH_KILLS ?? 20);

/** The real CLI in a child process, on its own database name. */
function cli(dbName: string, args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, ['bin/flattr-server.mjs', ...args], {
    cwd: serverDir,
    env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName, UNCLAIMED_MONTHS: '6' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
  return { child, done };
}

/** The totals the run recorded (readers, clicks, things, money), as the summary and the statistics show them. */
async function runTotals(dbName: string): Promise<unknown> {
  return (await client.db(dbName).collection('distributions').findOne({ _id: PERIOD as never }))?.totals;
}

/** Resolves when the period's run document exists (the lock is taken), or the process ended; returns ms since `since`. */
async function lockedAfter(dbName: string, since: number, exited: Promise<unknown>): Promise<number> {
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (await client.db(dbName).collection('distributions').findOne({ _id: PERIOD as never, status: 'running' }, { projection: { _id: 1 } })) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - since;
}

let uri: string;
let local: LocalDatabase | undefined;
let client: MongoClient;
const dbNames: string[] = [];

/**
 * The server's context on database `dbName` in this process, as the CLI opens it (same configuration, every
 * module's indexes), for what is set-up or checking rather than under test: a real CLI process costs
 * seconds of start-up, which the kills below need and the set-up does not.
 */
async function inProcess(dbName: string): Promise<ServerContext> {
  const config = loadConfig({ MONGODB_URI: uri, MONGODB_DB: dbName, UNCLAIMED_MONTHS: '6' });
  const quiet = { info: () => {}, warn: () => {}, error: (m: string, e?: unknown) => console.error(m, e) };
  const ctx: ServerContext = { config, db: client.db(dbName), client, clock: systemClock, log: quiet };
  await Promise.all(modules.map((module) => module.ensureIndexes?.(ctx)));
  return ctx;
}

/** A database with OLD distributed (its escrow comes back in PERIOD) and PERIOD's clicks, the same every time. */
async function seededDatabase(prefix = 'crash'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  dbNames.push(name);
  const ctx = await inProcess(name);
  await seedDemoData(ctx.db, OLD);
  await distributePeriod(ctx, OLD.period);
  await seedDemoData(ctx.db, SEED);
  return name;
}

/**
 * The uninterrupted run every other database is compared with: a database of
 * its own (never one a test also kills or races in), made once per file run,
 * whichever test asks first (each test can run alone).
 */
let referenceRun: Promise<{ name: string; hash: string; stageMs: Record<string, number>; lockMs: number }> | undefined;
function reference() {
  referenceRun ??= (async () => {
    const name = await seededDatabase('crash_reference');
    const started = Date.now();
    const cleanRun = cli(name, ['distribute', '--period', PERIOD, '--no-progress']);
    const lockMs = await lockedAfter(name, started, cleanRun.done);
    const clean = await cleanRun.done;
    assert.equal(clean.code, 0, clean.out);
    // How long each stage lasts, so a kill can land anywhere inside it, not only at its start.
    const stageMs = ((await client.db(name).collection('distributions').findOne({ _id: PERIOD as never }))?.stageTimes ?? {}) as Record<string, number>;
    return { name, hash: await ledgerHash(client.db(name)), stageMs, lockMs };
  })();
  return referenceRun;
}

describe('distribution crash safety (SIGKILL of the real CLI)', () => {
  before(async () => {
    uri = process.env.MONGODB_URI ?? '';
    if (!uri) {
      local = await startLocalDatabase();
      uri = local.uri;
    }
    client = new MongoClient(uri);
    await client.connect();
  });
  after(async () => {
    for (const name of dbNames) await client.db(name).dropDatabase().catch(() => {});
    await client.close();
    await local?.stop();
  });

  const STAGES = ['snapshot', 'write', 'apply', 'returns', 'finalize'];
  /** Resolves true once the run document of `db` is in `stage` (or later); false if the run ended first. */
  async function reachedStage(db: string, stage: string, done: Promise<unknown>): Promise<boolean> {
    let ended = false;
    void done.then(() => { ended = true; });
    while (!ended) {
      const doc = await client.db(db).collection('distributions').findOne({ _id: PERIOD as never }, { projection: { stage: 1 } });
      if (doc && STAGES.indexOf(String(doc.stage)) >= STAGES.indexOf(stage)) return true;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return false;
  }

  it(`ends with the same ledger as an uninterrupted run after ${KILLS} kills at random points`, { timeout: 15 * 60_000 }, async () => {
    const { name: referenceDb, hash: expected, stageMs, lockMs } = await reference();

    const killedInStage: Record<string, number> = {};
    let kills = 0;
    let rounds = 0;
    while (kills < KILLS) {
      rounds += 1;
      const db = await seededDatabase();
      // Each round aims at every stage in turn (the write stage, the longest, twice); a target the
      // resumed run has already passed is skipped, and a new round starts from a fresh database.
      const targets = ['snapshot', 'write', 'write', 'apply', 'returns', 'finalize'];
      let next = 0;
      for (;;) {
        const before = await client.db(db).collection('distributions').findOne({ _id: PERIOD as never }, { projection: { stage: 1 } });
        const current = STAGES.indexOf(String(before?.stage ?? 'snapshot'));
        while (next < targets.length && STAGES.indexOf(targets[next]!) < current) next += 1;
        // Small batches: the write stage has several checkpoints to be killed between and within.
        const run = cli(db, ['distribute', '--period', PERIOD, '--no-progress', '--batch-readers', '15']);
        let timer: NodeJS.Timeout | undefined;
        if (kills >= KILLS || next >= targets.length) {
          // Enough crash points in this round (or in all): let this run finish.
        } else if (Math.random() < 0.2) {
          // One kill in five during start-up, before or while the lock is taken.
          timer = setTimeout(() => run.child.kill('SIGKILL'), Math.random() * lockMs);
        } else {
          const target = targets[next]!;
          next += 1;
          void reachedStage(db, target, run.done).then((reached) => {
            // In the first half of the stage: noticing that the run reached it takes a few ms already.
            if (reached) timer = setTimeout(() => run.child.kill('SIGKILL'), Math.random() * Math.max(2, (stageMs[target] ?? 0) / 2));
          });
        }
        const result = await run.done;
        clearTimeout(timer);
        if (result.signal === 'SIGKILL') {
          kills += 1;
          const doc = await client.db(db).collection('distributions').findOne({ _id: PERIOD as never });
          const stage = doc ? String(doc.stage) : 'before-lock';
          killedInStage[stage] = (killedInStage[stage] ?? 0) + 1;
          continue;
        }
        assert.equal(result.code, 0, result.out);
        break;
      }
      if ((await ledgerHash(client.db(db))) !== expected) {
        assert.fail(`round ${rounds}: the ledger differs from the uninterrupted run (kills by stage so far: ${JSON.stringify(killedInStage)})\n${await ledgerDiff(client.db(db), client.db(referenceDb))}`);
      }
      assert.deepEqual(await runTotals(db), await runTotals(referenceDb), `round ${rounds}: the run's totals differ from the uninterrupted run`);
      // The CLI's own check ran at the end of the run that finished (a violation exits 1); this is the same check, again.
      const report = await verifyLedger(await inProcess(db));
      assert.ok(report.ok, `round ${rounds}: ${JSON.stringify(report).slice(0, 500)}`);
    }
    console.log(`crash points: ${kills} SIGKILLs over ${rounds} round(s), by stage: ${JSON.stringify(killedInStage)}; uninterrupted stage times (ms): ${JSON.stringify(stageMs)}`);
    for (const stage of ['write', 'apply', 'finalize']) assert.ok((killedInStage[stage] ?? 0) > 0, `a kill landed in the ${stage} stage`);
    const returned = await client.db(referenceDb).collection('escrow').countDocuments({ period: OLD.period, state: 'returned' });
    assert.ok(returned > 0, 'the returns stage had escrow to give back');
  });

  it('two concurrent distribute commands make one run and a correct ledger', { timeout: 5 * 60_000 }, async () => {
    const db = await seededDatabase();
    const [a, b] = await Promise.all([
      cli(db, ['distribute', '--period', PERIOD, '--no-progress']).done,
      cli(db, ['distribute', '--period', PERIOD, '--no-progress']).done,
    ]);
    const outcomes = [a, b].map((r) => (r.code === 0 && /Distributed/.test(r.out) ? 'ran' : r.code === 3 ? 'running' : r.code === 0 && /already distributed/.test(r.out) ? 'done' : `exit ${r.code}: ${r.out}`));
    assert.equal(outcomes.filter((o) => o === 'ran').length, 1, outcomes.join(' | '));
    assert.ok(outcomes.every((o) => ['ran', 'running', 'done'].includes(o)), outcomes.join(' | '));
    const { name: referenceDb, hash } = await reference();
    assert.notEqual(referenceDb, db);
    if ((await ledgerHash(client.db(db))) !== hash) assert.fail(`the ledger differs from the uninterrupted run\n${await ledgerDiff(client.db(db), client.db(referenceDb))}`);
  });
});
