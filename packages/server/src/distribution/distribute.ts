import type { ServerContext } from '../context.js';
import { ConflictError } from '../errors/index.js';
import { verifyLedger, type LedgerReport } from '../ledger/index.js';
import { balances, hasEnded, parsePeriod, periodEnd } from '../money/index.js';
import { applyStage, runMarker } from './apply-stage.js';
import { dryRun } from './dry-run.js';
import { returnsStage } from './returns-stage.js';
import { LostRunError, report, save, type DistributeOptions, type RunMemory, type StageFn } from './run-context.js';
import { acquireRun, markActive, runs, toRunJson, type DistributionRun, type RunJson, type Stage, type Totals } from './run-doc.js';
import { checkLedgerBefore, snapshotStage } from './snapshot-stage.js';
import { writeStage } from './write-stage.js';

export { LostRunError, distEntryId, type DistributeOptions, type ProgressView } from './run-context.js';

export interface DistributionOutcome {
  period: string;
  dryRun: boolean;
  totals: Totals;
  /** The run document (null for a dry run). */
  run: RunJson | null;
  ledgerBefore: LedgerReport | null;
  ledgerAfter: LedgerReport | null;
}

/** Validates a period for distribution: 400 when malformed, 409 `period_not_ended` while it runs. */
export function checkDistributable(ctx: ServerContext, value: string): string {
  const period = parsePeriod(value);
  if (!hasEnded(period, ctx.clock.now())) {
    throw new ConflictError(`${period} has not ended yet: it can be distributed from ${periodEnd(period).toISOString()}`, 'period_not_ended');
  }
  return period;
}

/**
 * Distributes a period (docs/money.md). Takes the period's lock (or resumes a
 * crashed run), then runs the stages snapshot → write → apply → returns →
 * finalize, recording stage, checkpoint, progress and totals on the run document.
 *
 * Safe to run again at any moment, also after SIGKILL: every entry has a
 * deterministic id, contributions come from the stored snapshot, and the
 * work restarts at the last checkpoint, so the ledger ends up identical.
 */
export async function distributePeriod(ctx: ServerContext, value: string, options: DistributeOptions = {}): Promise<DistributionOutcome> {
  const period = checkDistributable(ctx, value);
  if (options.dryRun) return dryRun(ctx, period, options);
  const run = await startRun(ctx, period);
  return executeRun(ctx, run, options);
}

/**
 * For the admin endpoint: takes the lock now (so the answer says whether
 * this call started or resumed the run), then runs it in the background of
 * this server process. Failures are recorded on the run document.
 */
export async function startDistribution(ctx: ServerContext, value: string): Promise<{ run: RunJson; done: Promise<void> }> {
  const period = checkDistributable(ctx, value);
  const run = await startRun(ctx, period);
  markActive(period, true);
  const done = executeRun(ctx, run, {}).then(() => undefined, (error) => {
    ctx.log.error(`distribution of ${period} failed`, error);
  });
  return { run: toRunJson(run), done };
}

/**
 * Takes the period's lock, after the ledger check before the run when the
 * run has not passed it yet (a new run, or one that stopped before it): a
 * cached balance that differs from the journal refuses the run with 409
 * `ledger_mismatch` before the lock is taken. A run past that check is not
 * checked again (its own credits differ from the journal until its apply stage).
 */
async function startRun(ctx: ServerContext, period: string): Promise<DistributionRun> {
  const existing = await runs(ctx.db).findOne({ _id: period }, { projection: { ledgerBefore: 1, status: 1 } });
  const ledgerBefore = existing?.ledgerBefore || existing?.status === 'done' ? null : await checkLedgerBefore(ctx);
  const { run } = await acquireRun(ctx, period);
  if (!run.ledgerBefore && ledgerBefore) {
    run.ledgerBefore = ledgerBefore;
    await save(ctx, run, { ledgerBefore });
  }
  return run;
}

export async function getDistribution(ctx: ServerContext, value: string): Promise<RunJson | null> {
  const period = parsePeriod(value);
  const run = await runs(ctx.db).findOne({ _id: period });
  return run ? toRunJson(run) : null;
}

async function executeRun(ctx: ServerContext, run: DistributionRun, options: DistributeOptions): Promise<DistributionOutcome> {
  const period = run._id;
  markActive(period, true);
  // Liveness for other hosts; same-host takeovers ask the OS whether our pid lives.
  const heartbeat = setInterval(() => {
    void runs(ctx.db).updateOne({ _id: period, runId: run.runId }, { $set: { heartbeatAt: new Date() } }).catch(() => {});
  }, 10_000);
  heartbeat.unref();
  const stages: Record<Exclude<Stage, 'done'>, StageFn> = {
    snapshot: snapshotStage,
    write: writeStage,
    apply: applyStage,
    returns: returnsStage,
    finalize: finalizeStage,
  };
  const memory: RunMemory = { credits: null };
  try {
    while (run.stage !== 'done') {
      const started = Date.now();
      const stage = run.stage;
      const next = await stages[stage](ctx, run, options, memory);
      run.stageTimes[stage] = (run.stageTimes[stage] ?? 0) + (Date.now() - started);
      run.stage = next;
      const fields: Record<string, unknown> = { stage: next, [`stageTimes.${stage}`]: run.stageTimes[stage] };
      if (next === 'done') {
        run.status = 'done';
        run.finishedAt = ctx.clock.now();
        Object.assign(fields, { status: 'done', finishedAt: run.finishedAt });
      }
      await save(ctx, run, fields);
      report(run, options);
    }
  } catch (error) {
    if (!(error instanceof LostRunError)) {
      await runs(ctx.db).updateOne({ _id: period, runId: run.runId }, {
        $set: { status: 'failed', error: error instanceof Error ? error.message : String(error) },
      }).catch(() => {});
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
    markActive(period, false);
  }
  return { period, dryRun: false, totals: run.totals, run: toRunJson(run), ledgerBefore: run.ledgerBefore, ledgerAfter: run.ledgerAfter };
}

/**
 * Clears the run's credit markers (the stage pointer, past `apply`, now
 * keeps the credits from being applied again), then the ledger check after
 * the run (the `things` total was counted by the write stage).
 */
const finalizeStage: StageFn = async (ctx, run) => {
  await balances(ctx.db).updateMany({ applying: runMarker(run._id) }, { $pull: { applying: runMarker(run._id) } });
  run.ledgerAfter = await verifyLedger(ctx);
  await save(ctx, run, { ledgerAfter: run.ledgerAfter });
  return 'done';
};

