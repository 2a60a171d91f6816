import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { ConflictError } from '../errors/index.js';
import { verifyLedger, type LedgerReport } from '../ledger/index.js';
import { addMonths } from '../money/index.js';
import { ESCROW, type EscrowView } from '../sites/index.js';
import type { DistributeOptions, ProgressView } from './run-context.js';
import { runs, toRunJson, zeroTotals, type RunJson, type Stage, type Totals } from './run-doc.js';
import { mayHoldEscrow } from './returns-stage.js';
import { liveFunds, OwnerMap, readerClicks, withFunds, type ReaderWithFunds } from './sources.js';
import { sharesOfReader } from './write-stage.js';

export interface DryRunOutcome {
  period: string;
  dryRun: true;
  totals: Totals;
  run: RunJson | null;
  ledgerBefore: LedgerReport;
  ledgerAfter: null;
}

/** Everything the run would do, computed from live budgets, balances and owners; writes nothing. */
export async function dryRun(ctx: ServerContext, period: string, options: DistributeOptions): Promise<DryRunOutcome> {
  const existing = await runs(ctx.db).findOne({ _id: period });
  if (existing?.status === 'done') throw new ConflictError(`${period} is already distributed`, 'distribution_done', { run: toRunJson(existing) });
  const ledgerBefore = await verifyLedger(ctx);
  const snapshotAt = ctx.clock.now();
  const totals = zeroTotals();
  const owners = await OwnerMap.load(ctx.db);
  let fundsDone = 0;
  const view = (stage: Stage): ProgressView => ({
    period, stage, dryRun: true, readersDone: totals.readers, clicksDone: totals.clicks, fundsDone, fundsTotal: 0, totals,
  });
  let batch: ReaderWithFunds[] = [];
  const flush = async () => {
    await owners.ensure(batch.flatMap((p) => p.reader?.thingIds ?? []));
    for (const { reader, funds, fundsPassed } of batch) {
      fundsDone = fundsPassed;
      if (!reader) continue;
      const result = sharesOfReader(period, { reader, funds }, owners, ctx.config.feeBps);
      totals.readers += 1;
      totals.clicks += reader.thingIds.length;
      if (result.contribution > 0) totals.payingReaders += 1;
      totals.contributed += result.contribution;
      totals.fees += result.fees;
      totals.toCreators += result.toCreators;
      totals.toEscrow += result.toEscrow;
    }
    batch = [];
    options.onProgress?.(view('write'));
  };
  for await (const pair of withFunds(readerClicks(ctx.db, period, snapshotAt, null), liveFunds(ctx.db))) {
    batch.push(pair);
    if (batch.length >= (options.batchReaders ?? 500)) await flush();
  }
  await flush();
  totals.things = owners.clickedThings;
  const cutoff = addMonths(period, -ctx.config.unclaimedMonths);
  if (await mayHoldEscrow(ctx, cutoff)) {
    const held = ctx.db.collection<EscrowView>(ESCROW).find({ period: { $lte: cutoff }, state: { $in: ['held', 'returning', 'releasing'] } });
    for await (const doc of held) {
      const thing = await collections.things(ctx.db).findOne({ _id: doc.thingId }, { projection: { ownerId: 1 } });
      if (doc.state === 'releasing' || (doc.state === 'held' && thing?.ownerId)) {
        totals.releasedLate += doc.amount;
        totals.releasedLateCount += 1;
      } else {
        totals.returned += doc.amount;
        totals.returnedCount += 1;
      }
    }
  }
  options.onProgress?.(view('done'));
  return { period, dryRun: true, totals, run: null, ledgerBefore, ledgerAfter: null };
}
