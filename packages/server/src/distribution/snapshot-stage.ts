import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { insertManyReportingDuplicates } from '../db/insert-many.js';
import { verifyLedger } from '../ledger/index.js';
import { repairBalances, reserveMany, type BalanceDoc } from '../money/index.js';
import { materializeSubscriptions } from '../subscriptions/index.js';
import { report, save, type StageFn } from './run-context.js';
import { snapshots, type SnapshotDoc } from './run-doc.js';
import { walletsWithBudget } from './sources.js';

/**
 * Checks the ledger (finishing interrupted journal writers it finds), turns
 * subscriptions into the period's flattrs, fixes `snapshotAt`, then RESERVES
 * the contribution of every user who can pay (`min(budget, spendable)`,
 * moved to `reserved.<period>` of the wallet by a guarded update) and records
 * it in `distribution_snapshots`, before any money of the run moves. From
 * the reservation on, a payout cannot take that money (docs/money.md).
 */
export const snapshotStage: StageFn = async (ctx, run, options) => {
  const period = run._id;
  if (!run.ledgerBefore) {
    let ledger = await verifyLedger(ctx);
    // Only work whose lease ran out is the repair's (live writers finish their own): repair when the check saw such.
    const stale = ledger.violations.some((v) => v.kind === 'entry_pending' || v.kind === 'debit_pending');
    if (stale && (await repairBalances(ctx.db)) > 0) ledger = await verifyLedger(ctx);
    run.ledgerBefore = ledger;
    await save(ctx, run, { ledgerBefore: run.ledgerBefore });
  }
  if (!run.snapshotAt) {
    // Subscriptions become this period's flattrs first, so the snapshot includes them.
    await materializeSubscriptions(ctx, period);
    run.snapshotAt = ctx.clock.now();
    await save(ctx, run, { snapshotAt: run.snapshotAt });
  }
  await reserveFunds(ctx, run, options);
  return 'write';
};

async function reserveFunds(ctx: ServerContext, run: Parameters<StageFn>[1], options: Parameters<StageFn>[2]): Promise<void> {
  const period = run._id;
  let batch: Array<{ userId: string; budget: number; wallet: BalanceDoc }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const reserved = await reserveMany(ctx.db, period, batch.map((b) => ({ account: b.wallet._id, budget: b.budget, seen: b.wallet })));
    const docs: SnapshotDoc[] = [];
    for (const { userId, budget, wallet } of batch) {
      const contribution = reserved.get(wallet._id) ?? 0;
      if (contribution === 0) continue;
      docs.push({
        _id: `${period}:${userId}`, period, userId: ObjectId.createFromHexString(userId), budget,
        available: wallet.amount + (wallet.reserved?.[period] ?? 0), contribution,
      });
    }
    // A doc written before a crash stays as it was: the reservation it records is the same.
    await insertManyReportingDuplicates(snapshots(ctx.db), docs);
    run.checkpoint.snapshotUserId = batch[batch.length - 1]!.userId;
    run.progress.usersSnapshotted += docs.length;
    await save(ctx, run, { 'checkpoint.snapshotUserId': run.checkpoint.snapshotUserId, 'progress.usersSnapshotted': run.progress.usersSnapshotted });
    report(run, options);
    batch = [];
  };
  for await (const funded of walletsWithBudget(ctx.db, run.checkpoint.snapshotUserId, period)) {
    if (funded.wallet.amount <= 0 && funded.wallet.reserved?.[period] === undefined) continue;
    batch.push(funded);
    if (batch.length >= 2000) await flush();
  }
  await flush();
}
