import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS, type FlattrDoc, type ThingDoc } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { accounts, balanceOf, periodOf } from '../money/index.js';
import { coversPeriod, listSubscriptions } from '../subscriptions/index.js';
import { computeReaderShares, type Share } from './compute-shares.js';

export interface PreviewItem {
  thing: ThingDoc;
  /** The reader's flattr of the thing this month (null: only a subscription brings it in). */
  flattr: FlattrDoc | null;
  /** A subscription that covers this month and would add the thing at its end. */
  subscriptionId: string | null;
  /** What the thing would get if the month ended now; null for the reader's own thing (never paid). */
  share: Share | null;
}

export interface ReaderMonthPreview {
  period: string;
  budget: number;
  /** Spendable balance now. */
  available: number;
  /** `min(budget, available)` when there is something to pay, else 0. */
  contribution: number;
  fees: number;
  toCreators: number;
  toEscrow: number;
  /** Newest flattr first; subscription-only things last. */
  items: PreviewItem[];
  /** Whole months the balance pays at this budget (null without a budget). */
  monthsCovered: number | null;
  /** The month has been distributed already (demo clock moved, or a late page): its flattrs are final. */
  distributed: boolean;
}

/**
 * "If the month ended now": the reader's current month run through the very
 * rule the distribution applies, `computeReaderShares`, with the live budget,
 * balance and owners, and the subscriptions that would count at the month's
 * end. Writes nothing; the real run decides from its snapshot (a budget, a
 * balance or an owner may still change before the month ends).
 */
export async function previewReaderMonth(ctx: ServerContext, readerId: string): Promise<ReaderMonthPreview> {
  const reader = ObjectId.createFromHexString(readerId);
  const user = await collections.users(ctx.db).findOne({ _id: reader }, { projection: { budget: 1 } });
  if (!user) throw new NotFoundError('No such user', 'user_not_found');
  const period = periodOf(ctx.clock.now());
  const [flattrs, subscriptions, available, run] = await Promise.all([
    collections.flattrs(ctx.db).find({ readerId: reader, period }).sort({ createdAt: -1, _id: -1 }).toArray(),
    listSubscriptions(ctx, readerId),
    balanceOf(ctx.db, accounts.user(readerId)),
    ctx.db.collection(DISTRIBUTIONS).findOne({ _id: period as never }, { projection: { _id: 1 } }),
  ]);
  const clicked = new Set(flattrs.map((f) => f.thingId.toHexString()));
  const subscribed = subscriptions.filter((s) => coversPeriod(s, period) && !clicked.has(s.thingId.toHexString()));
  const thingIds = [...flattrs.map((f) => f.thingId), ...subscribed.map((s) => s.thingId)];
  const things = new Map((await collections.things(ctx.db).find({ _id: { $in: thingIds } }).toArray()).map((t) => [t._id.toHexString(), t]));

  const rows = [
    ...flattrs.map((flattr) => ({ thingId: flattr.thingId.toHexString(), flattr, subscriptionId: null })),
    ...subscribed.map((sub) => ({ thingId: sub.thingId.toHexString(), flattr: null, subscriptionId: sub._id.toHexString() })),
  ].filter((row) => things.has(row.thingId));
  const budget = typeof user.budget === 'number' ? user.budget : 0;
  const result = computeReaderShares({
    period,
    readerId,
    budget,
    available,
    things: rows.map((row) => ({ thingId: row.thingId, ownerId: things.get(row.thingId)!.ownerId?.toHexString() ?? null })),
    feeBps: ctx.config.feeBps,
  });
  const shares = new Map(result.shares.map((share) => [share.thingId, share]));
  return {
    period,
    budget,
    available,
    contribution: result.contribution,
    fees: result.fees,
    toCreators: result.toCreators,
    toEscrow: result.toEscrow,
    items: rows.map((row) => ({ thing: things.get(row.thingId)!, flattr: row.flattr, subscriptionId: row.subscriptionId, share: shares.get(row.thingId) ?? null })),
    monthsCovered: budget > 0 ? Math.floor(Math.max(0, available) / budget) : null,
    distributed: run !== null,
  };
}
