import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Collection, Db, ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { DISTRIBUTIONS } from '../db/index.js';
import { ConflictError, isDuplicateKeyError } from '../errors/index.js';
import type { LedgerReport } from '../ledger/index.js';

export type Stage = 'snapshot' | 'write' | 'apply' | 'returns' | 'finalize' | 'done';

export interface Totals {
  /** Readers with at least one click in the snapshot. */
  readers: number;
  /** Readers whose contribution was above 0. */
  payingReaders: number;
  /** Distinct (reader, thing) pairs distributed. */
  clicks: number;
  /** Distinct things clicked in the period (counted by the write stage). */
  things: number;
  contributed: number;
  fees: number;
  toCreators: number;
  toEscrow: number;
  returned: number;
  returnedCount: number;
  releasedLate: number;
  releasedLateCount: number;
}

export interface DistributionRun {
  _id: string;
  status: 'running' | 'done' | 'failed';
  stage: Stage;
  /** Changes whenever a process takes the run over; every write of the run is guarded by it. */
  runId: string;
  owner: { host: string; pid: number };
  heartbeatAt: Date;
  startedAt: Date;
  finishedAt: Date | null;
  snapshotAt: Date | null;
  feeBps: number;
  unclaimedMonths: number;
  currency: string;
  checkpoint: { snapshotUserId: string | null; readerId: string | null; escrowId: string | null };
  progress: {
    readersDone: number;
    clicksDone: number;
    /** The period's clicks: known once the write stage has read them all (counting first would cost a scan). */
    clicksTotal: number;
    /** Snapshotted funds (users who can pay) and how many of them the write stage has passed: its progress. */
    usersSnapshotted: number;
    fundsDone: number;
    /** Accounts credited by the apply stage. */
    accountsCredited: number;
    escrowDone: number;
  };
  totals: Totals;
  ledgerBefore: LedgerReport | null;
  ledgerAfter: LedgerReport | null;
  /** Milliseconds spent per stage (summed over resumes). */
  stageTimes: Partial<Record<Stage, number>>;
  resumes: number;
  error: string | null;
}

export interface SnapshotDoc {
  /** `<period>:<userId>` */
  _id: string;
  period: string;
  userId: ObjectId;
  budget: number;
  /** The wallet's spendable balance before the reservation. */
  available: number;
  /** What the snapshot reserved (`reserved.<period>` of the wallet): the reader's contribution if they have things to pay. */
  contribution: number;
}

export const SNAPSHOTS = 'distribution_snapshots';
/** Heartbeats older than this mark a run on another host as crashed. */
export const STALE_AFTER_MS = 60_000;

export const runs = (db: Db): Collection<DistributionRun> => db.collection<DistributionRun>(DISTRIBUTIONS);
export const snapshots = (db: Db): Collection<SnapshotDoc> => db.collection<SnapshotDoc>(SNAPSHOTS);

export function zeroTotals(): Totals {
  return {
    readers: 0, payingReaders: 0, clicks: 0, things: 0, contributed: 0, fees: 0, toCreators: 0, toEscrow: 0,
    returned: 0, returnedCount: 0, releasedLate: 0, releasedLateCount: 0,
  };
}

/** Periods whose run this process is executing right now (the HTTP server runs them in the background). */
const activeHere = new Set<string>();

export function markActive(period: string, active: boolean): void {
  if (active) activeHere.add(period);
  else activeHere.delete(period);
}

/**
 * Takes the lock for a period: inserts its run document, or takes over a run
 * whose process died. Throws 409 `distribution_running` / `distribution_done`
 * (with the run in `run`) otherwise. Exactly one of several concurrent callers wins.
 */
export async function acquireRun(ctx: ServerContext, period: string): Promise<{ run: DistributionRun; resumed: boolean }> {
  const collection = runs(ctx.db);
  const runId = randomUUID();
  const owner = { host: hostname(), pid: process.pid };
  const fresh: DistributionRun = {
    _id: period,
    status: 'running',
    stage: 'snapshot',
    runId,
    owner,
    heartbeatAt: new Date(),
    startedAt: ctx.clock.now(),
    finishedAt: null,
    snapshotAt: null,
    feeBps: ctx.config.feeBps,
    unclaimedMonths: ctx.config.unclaimedMonths,
    currency: ctx.config.currency,
    checkpoint: { snapshotUserId: null, readerId: null, escrowId: null },
    progress: { readersDone: 0, clicksDone: 0, clicksTotal: 0, usersSnapshotted: 0, fundsDone: 0, accountsCredited: 0, escrowDone: 0 },
    totals: zeroTotals(),
    ledgerBefore: null,
    ledgerAfter: null,
    stageTimes: {},
    resumes: 0,
    error: null,
  };
  try {
    await collection.insertOne(fresh);
    return { run: fresh, resumed: false };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const existing = await collection.findOne({ _id: period });
  if (!existing) throw new ConflictError(`The distribution of ${period} is being set up by another process`, 'distribution_running');
  if (existing.status === 'done') {
    throw new ConflictError(`${period} is already distributed`, 'distribution_done', { run: toRunJson(existing) });
  }
  if (existing.status === 'running' && ownerAlive(existing)) {
    throw new ConflictError(`The distribution of ${period} is already running (pid ${existing.owner.pid} on ${existing.owner.host})`, 'distribution_running', { run: toRunJson(existing) });
  }
  // One conditional update decides between concurrent takers: only one finds the dead runId.
  const heartbeatAt = new Date();
  const before = await collection.findOneAndUpdate(
    { _id: period, runId: existing.runId },
    { $set: { runId, owner, heartbeatAt, status: 'running', error: null }, $inc: { resumes: 1 } },
    { returnDocument: 'before' },
  );
  if (!before) throw new ConflictError(`The distribution of ${period} was just taken over by another process`, 'distribution_running', { run: toRunJson(existing) });
  return { run: { ...before, runId, owner, heartbeatAt, status: 'running', error: null, resumes: before.resumes + 1 }, resumed: true };
}

/** Is the process recorded on the run still alive? Same host: ask the OS; other host: trust a fresh heartbeat. */
function ownerAlive(run: DistributionRun): boolean {
  if (run.owner.host === hostname()) {
    if (run.owner.pid === process.pid) return activeHere.has(run._id);
    try {
      process.kill(run.owner.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return Date.now() - run.heartbeatAt.getTime() < STALE_AFTER_MS;
}

/** The run as the API shows it (no internal lock token). */
export function toRunJson(run: DistributionRun) {
  const { _id, runId: _runId, ...rest } = run;
  return { period: _id, ...rest };
}

export type RunJson = ReturnType<typeof toRunJson>;
