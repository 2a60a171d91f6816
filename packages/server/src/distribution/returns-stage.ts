import type { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { isDuplicateKeyError } from '../errors/index.js';
import { addMonths, postEntry, JOURNAL, type JournalEntry } from '../money/index.js';
import { ESCROW, ESCROW_CLAIMS, finishRelease, type EscrowClaim, type EscrowView } from '../sites/index.js';
import { computeEscrowRelease, computeEscrowReturn } from './compute-shares.js';
import { report, save, type StageFn } from './run-context.js';
import { runs, type DistributionRun } from './run-doc.js';

/**
 * Escrow older than UNCLAIMED_MONTHS: back to the readers who gave it, or, if
 * the thing has a verified owner by now (it was escrowed after its release
 * ran), released to that owner. Claims go through `escrow_claims`
 * (insert-once) so a release and a return can never both take a share.
 * The run holds the period's lock, so an entry of its own left unfinished by
 * a crashed predecessor is finished at once (`takeOver`), not after its lease.
 */
export const returnsStage: StageFn = async (ctx, run, options) => {
  const period = run._id;
  const cutoff = addMonths(period, -run.unclaimedMonths);
  if (!(await mayHoldEscrow(ctx, cutoff)) && run.checkpoint.escrowId === null) return 'finalize';
  const escrow = ctx.db.collection<EscrowView>(ESCROW);
  const claims = ctx.db.collection<EscrowClaim>(ESCROW_CLAIMS);
  for (;;) {
    // Pages, not one cursor: the loop changes the field the query filters on.
    const page = await escrow
      .find({ period: { $lte: cutoff }, state: { $in: ['held', 'releasing', 'returning'] }, _id: { $gt: run.checkpoint.escrowId ?? '' } })
      .sort({ _id: 1 })
      .limit(500)
      .toArray();
    if (page.length === 0) break;
    for (const doc of page) {
      let claim: EscrowClaim | null = await claims.findOne({ _id: doc._id });
      if (!claim) {
        const thing = await collections.things(ctx.db).findOne({ _id: doc.thingId }, { projection: { ownerId: 1 } });
        const owner = thing?.ownerId ?? null;
        const mine: EscrowClaim = { _id: doc._id, action: owner ? 'release' : 'return', releaseTo: owner, claimedAt: ctx.clock.now() };
        try {
          await claims.insertOne(mine);
          claim = mine;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          claim = await claims.findOne({ _id: doc._id });
        }
      }
      if (!claim) continue;
      if (claim.action === 'release' && claim.releaseTo) {
        await escrow.updateOne({ _id: doc._id, state: { $in: ['held', 'releasing'] } }, { $set: { state: 'releasing', releaseTo: claim.releaseTo, claimedAt: claim.claimedAt } });
        await postLateRelease(ctx, run, { ...doc, releaseTo: claim.releaseTo });
        await finishRelease(ctx, { ...doc, state: 'releasing', releaseTo: claim.releaseTo });
      } else if (claim.action === 'return') {
        await escrow.updateOne({ _id: doc._id, state: 'held' }, { $set: { state: 'returning', claimedAt: claim.claimedAt } });
        const readerId = doc.readerId.toHexString();
        const thingId = doc.thingId.toHexString();
        await postEntry(ctx.db, {
          _id: `escrow.return:${doc._id}`,
          kind: 'escrow.return',
          period: doc.period,
          postings: computeEscrowReturn({ thingId, readerId, amount: doc.amount }).postings,
          memo: `escrow of ${doc.period} for thing ${thingId} returned to its reader after ${run.unclaimedMonths} months`,
          meta: { escrowId: doc._id, thingId, readerId, period: doc.period, amount: doc.amount, settledByRun: period },
        }, { takeOver: true });
        await escrow.updateOne({ _id: doc._id, state: 'returning' }, { $set: { state: 'returned', settledAt: ctx.clock.now() } });
      }
    }
    run.checkpoint.escrowId = page[page.length - 1]!._id;
    run.progress.escrowDone += page.length;
    await save(ctx, run, { 'checkpoint.escrowId': run.checkpoint.escrowId, 'progress.escrowDone': run.progress.escrowDone });
    report(run, options);
  }
  // Totals from the journal itself, so a crash in the middle of a page cannot miscount them.
  const settled = ctx.db.collection<JournalEntry>(JOURNAL).find(
    { kind: { $in: ['escrow.return', 'escrow.release'] }, 'meta.settledByRun': period },
    { projection: { kind: 1, meta: 1 } },
  );
  Object.assign(run.totals, { returned: 0, returnedCount: 0, releasedLate: 0, releasedLateCount: 0 });
  for await (const entry of settled) {
    const amount = Number(entry.meta?.amount ?? 0);
    if (entry.kind === 'escrow.return') {
      run.totals.returned += amount;
      run.totals.returnedCount += 1;
    } else {
      run.totals.releasedLate += amount;
      run.totals.releasedLateCount += 1;
    }
  }
  await save(ctx, run, { totals: run.totals });
  return 'finalize';
};

/**
 * Could any escrow of `cutoff` or earlier exist? Only if a run that old put
 * money in escrow, or has not finished (its totals may lag behind its docs).
 * Runs are one per month; escrow docs are many (and the query on their
 * period has no index on the stand-in), so this check spares the read in most months.
 */
export async function mayHoldEscrow(ctx: ServerContext, cutoff: string): Promise<boolean> {
  const run = await runs(ctx.db).findOne(
    { _id: { $lte: cutoff }, $or: [{ 'totals.toEscrow': { $gt: 0 } }, { status: { $ne: 'done' } }] },
    { projection: { _id: 1 } },
  );
  return run !== null;
}

/**
 * Posts the late release under the same id and postings as `finishRelease`
 * (which then finds it written and only marks the doc), with `settledByRun`
 * so the run can count it.
 */
async function postLateRelease(ctx: ServerContext, run: DistributionRun, doc: EscrowView & { releaseTo: ObjectId }): Promise<void> {
  const thingId = doc.thingId.toHexString();
  const ownerId = doc.releaseTo.toHexString();
  const { fee, postings } = computeEscrowRelease({ thingId, ownerId, amount: doc.amount, feeBps: ctx.config.feeBps });
  await postEntry(ctx.db, {
    _id: `escrow.release:${doc._id}`,
    kind: 'escrow.release',
    period: doc.period,
    postings,
    memo: `escrow of ${doc.period} for thing ${thingId} released to its verified owner by the run of ${run._id}`,
    meta: { escrowId: doc._id, thingId, ownerId, readerId: doc.readerId.toHexString(), period: doc.period, amount: doc.amount, fee, settledByRun: run._id },
  }, { takeOver: true });
}
