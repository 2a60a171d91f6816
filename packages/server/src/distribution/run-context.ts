import type { ServerContext } from '../context.js';
import { runs, type DistributionRun, type Stage, type Totals } from './run-doc.js';

export interface ProgressView {
  period: string;
  stage: Stage;
  dryRun: boolean;
  readersDone: number;
  clicksDone: number;
  /** Snapshotted funds passed / in all: the write stage's progress (the clicks are not counted up front). */
  fundsDone: number;
  fundsTotal: number;
  totals: Totals;
}

export interface DistributeOptions {
  /** Compute and report without writing anything (no lock, no snapshot, no entries). */
  dryRun?: boolean;
  onProgress?: (view: ProgressView) => void;
  /** Readers per journal batch. */
  batchReaders?: number;
}

/**
 * What one process carries from stage to stage: the credits its write stage
 * summed (per creditor account), when it wrote every batch itself. A process
 * that resumed in the middle of the write stage has none and the apply stage
 * sums them from the journal instead.
 */
export interface RunMemory {
  credits: Map<string, number> | null;
}

export type StageFn = (ctx: ServerContext, run: DistributionRun, options: DistributeOptions, memory: RunMemory) => Promise<Stage>;

/** Thrown when another process took the run over: this one must stop writing. */
export class LostRunError extends Error {
  override name = 'LostRunError';
}

/** Writes the run's progress, guarded by its runId: a process that lost the run stops here. */
export async function save(ctx: ServerContext, run: DistributionRun, fields: Record<string, unknown>): Promise<void> {
  const result = await runs(ctx.db).updateOne({ _id: run._id, runId: run.runId }, { $set: { ...fields, heartbeatAt: new Date() } });
  if (result.matchedCount === 0) throw new LostRunError(`the distribution of ${run._id} was taken over by another process`);
}

export function report(run: DistributionRun, options: DistributeOptions): void {
  options.onProgress?.({
    period: run._id, stage: run.stage, dryRun: false, readersDone: run.progress.readersDone, clicksDone: run.progress.clicksDone,
    fundsDone: run.progress.fundsDone, fundsTotal: run.progress.usersSnapshotted, totals: run.totals,
  });
}

export function distEntryId(period: string, readerId: string): string {
  return `dist:${period}:${readerId}`;
}
