import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { insertManyReportingDuplicates } from '../db/insert-many.js';
import { verifyLedger } from '../ledger/index.js';
import { repairBalances } from '../money/index.js';
import { materializeSubscriptions } from '../subscriptions/index.js';
import { report, save, type StageFn } from './run-context.js';
import { snapshots, type SnapshotDoc } from './run-doc.js';
import { liveFunds } from './sources.js';

/**
 * Checks the ledger (finishing interrupted journal writers it finds), turns
 * subscriptions into the period's flattrs, fixes `snapshotAt`, and copies the
 * budget, balance and wallet head of every user who can pay into
 * `distribution_snapshots`, before any money of the run moves.
 */
export const snapshotStage: StageFn = async (ctx, run, options) => {
  const period = run._id;
  if (!run.ledgerBefore) {
    let ledger = await verifyLedger(ctx);
    // repairBalances reads the whole journal: only when the check saw unfinished entries.
    if (ledger.pendingEntries > 0 && (await repairBalances(ctx.db)) > 0) ledger = await verifyLedger(ctx);
    run.ledgerBefore = ledger;
    await save(ctx, run, { ledgerBefore: run.ledgerBefore });
  }
  if (!run.snapshotAt) {
    // Subscriptions become this period's flattrs first, so the snapshot includes them.
    await materializeSubscriptions(ctx, period);
    run.snapshotAt = ctx.clock.now();
    await save(ctx, run, { snapshotAt: run.snapshotAt });
  }
  await copyFunds(ctx, run, options);
  return 'write';
};

async function copyFunds(ctx: ServerContext, run: Parameters<StageFn>[1], options: Parameters<StageFn>[2]): Promise<void> {
  const period = run._id;
  let batch: SnapshotDoc[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await insertManyReportingDuplicates(snapshots(ctx.db), batch);
    run.checkpoint.snapshotUserId = batch[batch.length - 1]!.userId.toHexString();
    run.progress.usersSnapshotted += batch.length;
    await save(ctx, run, { 'checkpoint.snapshotUserId': run.checkpoint.snapshotUserId, 'progress.usersSnapshotted': run.progress.usersSnapshotted });
    report(run, options);
    batch = [];
  };
  for await (const funds of liveFunds(ctx.db, run.checkpoint.snapshotUserId)) {
    batch.push({
      _id: `${period}:${funds.userId}`,
      period,
      userId: ObjectId.createFromHexString(funds.userId),
      budget: funds.budget,
      available: funds.available,
      seq: funds.seq,
      contribution: Math.min(funds.budget, funds.available),
    });
    if (batch.length >= 5000) await flush();
  }
  await flush();
}
