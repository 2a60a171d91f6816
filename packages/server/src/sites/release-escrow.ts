import type { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { accounts, addMonths, feeOf, nonNegative, periodEnd, postEntry, ensureValidator, type Posting } from '../money/index.js';

/** The `escrow` collection, written by the distribution (docs/money.md); this concern moves docs out of `held`. */
export const ESCROW = 'escrow';

export interface EscrowView {
  /** `<period>:<readerId>:<thingId>` */
  _id: string;
  period: string;
  readerId: ObjectId;
  thingId: ObjectId;
  /** Gross share in minor units (no fee taken yet). */
  amount: number;
  state: 'held' | 'releasing' | 'released' | 'returning' | 'returned';
  /** The owner, recorded by the claim: a crashed release is finished for them by whoever comes next. */
  releaseTo?: ObjectId | null;
  claimedAt?: Date | null;
  /** The period of the distribution run that claimed it for a return (`returning`). */
  claimedByRun?: string;
  settledAt: Date | null;
}

export interface ReleaseSummary {
  /** Releases whose journal entry this call wrote. */
  count: number;
  gross: number;
  fee: number;
  net: number;
}

/**
 * The last instant (exclusive) at which escrow of `period` can still go to
 * an owner: the end of the month `UNCLAIMED_MONTHS` after it. From then on
 * the distribution returns it to the readers (docs/money.md).
 */
export function releaseDeadline(period: string, unclaimedMonths: number): Date {
  return periodEnd(addMonths(period, unclaimedMonths));
}

/**
 * Pays the owner of `host`'s things the shares that waited in escrow for
 * them. Safe to run again at any time, also after a crash at any point:
 *
 * 1. claim: `held` → `releasing` with a conditional update that records the
 *    owner (`releaseTo`), so release and the distribution's return can never
 *    both take one doc, and a crashed claim can be finished by anyone;
 * 2. post the journal entry `escrow.release:<escrowId>` (deterministic id:
 *    a second post is a no-op);
 * 3. mark `released`.
 *
 * Docs found in `releasing` (a crash between 1 and 3) are finished for the
 * owner their claim recorded. Escrow past its deadline is left alone (the
 * distribution returns it). Formats: docs/money.md.
 */
export async function releaseEscrowForOwner(ctx: ServerContext, ownerId: ObjectId, host: string): Promise<ReleaseSummary> {
  const summary: ReleaseSummary = { count: 0, gross: 0, fee: 0, net: 0 };
  const thingIds = await collections.things(ctx.db)
    .find({ host, ownerId }, { projection: { _id: 1 } })
    .map((t) => t._id)
    .toArray();
  const escrow = ctx.db.collection<EscrowView>(ESCROW);
  // Pages of docs (not one long cursor): the loop changes the very field the query filters on.
  for (let i = 0; i < thingIds.length; i += 500) {
    const batch = thingIds.slice(i, i + 500);
    let after = '';
    for (;;) {
      const page = await escrow
        .find({ thingId: { $in: batch }, state: { $in: ['held', 'releasing'] }, _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(1000)
        .toArray();
      if (page.length === 0) break;
      after = page[page.length - 1]!._id;
      for (const doc of page) {
        const released = await releaseOne(ctx, doc, ownerId);
        // Counted by the call whose entry it is: the journal's unique id decides, also between concurrent callers.
        if (!released?.posted || !released.ownerId.equals(ownerId)) continue;
        summary.count += 1;
        summary.gross += doc.amount;
        summary.fee += released.fee;
        summary.net += released.net;
      }
    }
  }
  return summary;
}

export interface ReleaseResult {
  ownerId: ObjectId;
  fee: number;
  net: number;
  /** This call wrote the journal entry (false: an earlier, interrupted or concurrent caller did). */
  posted: boolean;
}

/**
 * Releases one escrow doc; returns who got it and how much, or null when it
 * is not (or no longer) releasable.
 *
 * The claim is the doc's own `held` → `releasing` change, one conditional
 * update that records the owner: of a release and a return (the
 * distribution's) racing for one doc, exactly one finds it `held`. A doc
 * claimed for release by someone else is finished for the owner its claim
 * recorded (the same entry id, so nothing is paid twice).
 */
export async function releaseOne(ctx: ServerContext, doc: EscrowView, ownerId: ObjectId): Promise<ReleaseResult | null> {
  if (doc.state === 'releasing' && doc.releaseTo) return finishRelease(ctx, doc);
  if (doc.state !== 'held') return null;
  if (ctx.clock.now().getTime() >= releaseDeadline(doc.period, ctx.config.unclaimedMonths).getTime()) return null;
  const claimedAt = ctx.clock.now();
  // 'before': the stand-in's 'after' can answer another call's document under concurrency; the after-state is known anyway.
  const before = await escrow(ctx).findOneAndUpdate(
    { _id: doc._id, state: 'held' },
    { $set: { state: 'releasing', releaseTo: ownerId, claimedAt } },
    { returnDocument: 'before' },
  );
  if (before) return finishRelease(ctx, { ...before, state: 'releasing', releaseTo: ownerId, claimedAt });
  const now = await escrow(ctx).findOne({ _id: doc._id });
  return now?.state === 'releasing' && now.releaseTo ? finishRelease(ctx, now) : null;
}

/**
 * Steps 2 and 3 for a doc in `releasing`: posts the release entry for the
 * owner its claim recorded (fee = `feeOf(amount, FEE_BPS)`, as the
 * distribution's late release computes it) and marks it released.
 */
export async function finishRelease(ctx: ServerContext, doc: EscrowView): Promise<ReleaseResult> {
  const owner = doc.releaseTo;
  if (!owner) throw new Error(`escrow ${doc._id} is ${doc.state} without releaseTo`);
  const fee = feeOf(doc.amount, ctx.config.feeBps);
  const net = doc.amount - fee;
  const thingId = doc.thingId.toHexString();
  const ownerId = owner.toHexString();
  const postings: Posting[] = [{ account: accounts.escrow(thingId), amount: -doc.amount }];
  // Zero postings are left out, as in every entry (docs/money.md).
  if (fee > 0) postings.push({ account: accounts.fees, amount: fee });
  if (net > 0) postings.push({ account: accounts.user(ownerId), amount: net });
  const posted = await postEntry(ctx.db, {
    _id: releaseEntryId(doc._id),
    kind: 'escrow.release',
    period: doc.period,
    postings,
    memo: `escrow of ${doc.period} for thing ${thingId} released to its verified owner`,
    meta: { escrowId: doc._id, thingId, ownerId, readerId: doc.readerId.toHexString(), period: doc.period, amount: doc.amount, fee },
  });
  await escrow(ctx).updateOne({ _id: doc._id, state: 'releasing' }, { $set: { state: 'released', settledAt: ctx.clock.now() } });
  return { ownerId: owner, fee, net, posted };
}

export function releaseEntryId(escrowId: string): string {
  return `escrow.release:${escrowId}`;
}

export async function ensureEscrowIndexes(ctx: ServerContext): Promise<void> {
  await ensureValidator(ctx.db, ESCROW, {
    bsonType: 'object',
    required: ['_id', 'period', 'readerId', 'thingId', 'amount', 'state'],
    properties: {
      amount: nonNegative,
      state: { enum: ['held', 'releasing', 'released', 'returning', 'returned'] },
    },
  });
  await escrow(ctx).createIndex({ thingId: 1, state: 1 });
}

function escrow(ctx: ServerContext) {
  return ctx.db.collection<EscrowView>(ESCROW);
}
