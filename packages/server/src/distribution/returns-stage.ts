import type { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { addMonths, postEntry, JOURNAL, type JournalEntry } from '../money/index.js';
import { ESCROW, type EscrowView } from '../sites/index.js';
import { computeEscrowRelease, computeEscrowReturn } from './compute-shares.js';
import { report, save, type StageFn } from './run-context.js';
import { runs, type DistributionRun } from './run-doc.js';

/**
 * Escrow older than UNCLAIMED_MONTHS: back to the readers who gave it, or, if
 * the thing has a verified owner by now (it was escrowed after its release
 * ran), released to that owner. Each doc is claimed by one conditional update
 * (`held` → `releasing`/`returning`), so a release and a return can never
 * both take a share.
 * The run holds the period's lock, so a return that a run of this period
 * claimed (`claimedByRun`) and left unfinished, i.e. a crashed predecessor,
 * is finished at once (`takeOver`), not after its lease. A return claimed by
 * the run of another period (two periods distributed at once: both returns
 * stages see the oldest escrow) is that run's while its lease lasts. A late
 * release is not taken over: verification (`releaseEscrowForOwner`, also when
 * an owner verifies again) writes the same `escrow.release:` ids, and
 * completing a live writer's entry beside it would apply its credits twice
 * (completing checks the entry's state, then applies). One whose writer is at
 * work is left to that writer (or, if it died, to the repair once its lease
 * ran out); the run's `releasedLate` total then misses it.
 */
export const returnsStage: StageFn = async (ctx, run, options) => {
  const period = run._id;
  const cutoff = addMonths(period, -run.unclaimedMonths);
  if (!(await mayHoldEscrow(ctx, cutoff)) && run.checkpoint.escrowId === null) return 'finalize';
  const escrow = ctx.db.collection<EscrowView>(ESCROW);
  for (;;) {
    // Pages, not one cursor: the loop changes the field the query filters on.
    const page = await escrow
      .find({ period: { $lte: cutoff }, state: { $in: ['held', 'releasing', 'returning'] }, _id: { $gt: run.checkpoint.escrowId ?? '' } })
      .sort({ _id: 1 })
      .limit(500)
      .toArray();
    if (page.length === 0) break;
    for (const found of page) {
      const doc = found.state === 'held' ? await claim(ctx, run, found) : found;
      if (doc.state === 'releasing' && doc.releaseTo) {
        await postLateRelease(ctx, run, { ...doc, releaseTo: doc.releaseTo });
        await escrow.updateOne({ _id: doc._id, state: 'releasing' }, { $set: { state: 'released', settledAt: ctx.clock.now() } });
      } else if (doc.state === 'returning') {
        const readerId = doc.readerId.toHexString();
        const thingId = doc.thingId.toHexString();
        await postEntry(ctx.db, {
          _id: `escrow.return:${doc._id}`,
          kind: 'escrow.return',
          period: doc.period,
          postings: computeEscrowReturn({ thingId, readerId, amount: doc.amount }).postings,
          memo: `escrow of ${doc.period} for thing ${thingId} returned to its reader after ${run.unclaimedMonths} months`,
          meta: { escrowId: doc._id, thingId, readerId, period: doc.period, amount: doc.amount, settledByRun: period },
        }, { takeOver: doc.claimedByRun === period });
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
 * Claims a `held` doc: for a late release if its thing has a verified owner
 * now, else for a return. One conditional update; a release on verification
 * racing for the same doc either wins (the doc is then `releasing`, and is
 * finished here for the owner it recorded) or loses.
 */
async function claim(ctx: ServerContext, run: DistributionRun, doc: EscrowView): Promise<EscrowView> {
  const thing = await collections.things(ctx.db).findOne({ _id: doc.thingId }, { projection: { ownerId: 1 } });
  const owner = thing?.ownerId ?? null;
  const claimedAt = ctx.clock.now();
  const change = owner ? { state: 'releasing' as const, releaseTo: owner, claimedAt } : { state: 'returning' as const, claimedAt, claimedByRun: run._id };
  const before = await ctx.db.collection<EscrowView>(ESCROW).findOneAndUpdate({ _id: doc._id, state: 'held' }, { $set: change }, { returnDocument: 'before' });
  if (before) return { ...before, ...change };
  return (await ctx.db.collection<EscrowView>(ESCROW).findOne({ _id: doc._id })) ?? doc;
}

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
 * Posts the late release under the same id and postings as `finishRelease`,
 * with `settledByRun` so the run can count it. No `takeOver`: see `returnsStage`.
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
  });
}
