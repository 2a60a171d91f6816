import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import type { ThingDoc } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, UnprocessableError } from '../errors/index.js';
import { addMonths, periodOf } from '../money/index.js';
import { findThingById, findThingByUrl, toObjectId, ThingNotFoundError } from '../things/index.js';
import type { PauseInterval } from './coverage.js';

export const SUBSCRIPTIONS = 'subscriptions';
export const MAX_MONTHS = 24;

export interface SubscriptionDoc {
  _id: ObjectId;
  readerId: ObjectId;
  thingId: ObjectId;
  months: number;
  /** First covered period: the one the subscription was made in. */
  startPeriod: string;
  /** Last covered period (inclusive). */
  endPeriod: string;
  paused: boolean;
  /** Every pause, so a month is judged by the state at its end even if the run comes later. */
  pauses: PauseInterval[];
  cancelledAt: Date | null;
  /**
   * `'open'` while not cancelled, else the doc's own id: the unique index on
   * (readerId, thingId, slot) allows one open subscription per reader and thing
   * without a partial index (the local stand-in, mongo-java-server, has none).
   */
  slot: string;
  createdAt: Date;
}

export type SubscriptionStatus = 'active' | 'paused' | 'cancelled' | 'ended';

const subscriptions = (ctx: ServerContext) => ctx.db.collection<SubscriptionDoc>(SUBSCRIPTIONS);

export function statusOf(sub: SubscriptionDoc, now: Date): SubscriptionStatus {
  if (sub.cancelledAt) return 'cancelled';
  if (periodOf(now) > sub.endPeriod) return 'ended';
  return sub.paused ? 'paused' : 'active';
}

/**
 * "Flattr this every month" for `months` months from the current one.
 * Refuses one's own thing (422 `own_thing`) and a second open subscription
 * to the same thing (409 `subscription_exists`); one that has ended is
 * closed so that a new one can start.
 */
export async function subscribe(
  ctx: ServerContext,
  readerId: string,
  input: { thingId?: string; url?: string; months: number },
): Promise<{ subscription: SubscriptionDoc; thing: ThingDoc }> {
  const reader = ObjectId.createFromHexString(readerId);
  const thing = input.thingId !== undefined ? await findThingById(ctx.db, input.thingId) : await findThingByUrl(ctx.db, input.url!);
  if (!thing) throw new ThingNotFoundError(input.thingId !== undefined ? `with id ${input.thingId}` : `for ${input.url}`);
  if (thing.ownerId?.equals(reader)) throw new UnprocessableError('You cannot subscribe to your own thing', 'own_thing');

  const now = ctx.clock.now();
  const open = await subscriptions(ctx).findOne({ readerId: reader, thingId: thing._id, slot: 'open' });
  if (open) {
    if (statusOf(open, now) !== 'ended') {
      throw new ConflictError('You already subscribe to this thing', 'subscription_exists', { subscriptionId: open._id.toHexString() });
    }
    await subscriptions(ctx).updateOne({ _id: open._id, slot: 'open' }, { $set: { slot: open._id.toHexString() } });
  }
  const startPeriod = periodOf(now);
  const doc: SubscriptionDoc = {
    _id: new ObjectId(),
    readerId: reader,
    thingId: thing._id,
    months: input.months,
    startPeriod,
    endPeriod: addMonths(startPeriod, input.months - 1),
    paused: false,
    pauses: [],
    cancelledAt: null,
    slot: 'open',
    createdAt: now,
  };
  try {
    await subscriptions(ctx).insertOne(doc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    throw new ConflictError('You already subscribe to this thing', 'subscription_exists');
  }
  return { subscription: doc, thing };
}

export async function listSubscriptions(ctx: ServerContext, readerId: string): Promise<SubscriptionDoc[]> {
  return subscriptions(ctx).find({ readerId: ObjectId.createFromHexString(readerId) }).sort({ createdAt: -1, _id: -1 }).toArray();
}

async function ownSubscription(ctx: ServerContext, readerId: string, id: string): Promise<SubscriptionDoc> {
  const _id = toObjectId(id);
  const sub = _id && await subscriptions(ctx).findOne({ _id, readerId: ObjectId.createFromHexString(readerId) });
  if (!sub) throw new NotFoundError(`No subscription ${id} of yours`, 'subscription_not_found');
  return sub;
}

/**
 * Pauses or resumes. A compare-and-set on `paused` makes two concurrent
 * requests safe: the loser re-reads and finds the state it wanted.
 */
export async function setPaused(ctx: ServerContext, readerId: string, id: string, paused: boolean): Promise<SubscriptionDoc> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const sub = await ownSubscription(ctx, readerId, id);
    const status = statusOf(sub, ctx.clock.now());
    if (status === 'cancelled' || status === 'ended') {
      throw new ConflictError(`This subscription has ${status === 'cancelled' ? 'been cancelled' : 'ended'}`, 'subscription_inactive');
    }
    if (sub.paused === paused) return sub;
    const now = ctx.clock.now();
    const pauses = paused
      ? [...sub.pauses, { from: now, until: null }]
      : sub.pauses.map((p) => (p.until === null ? { ...p, until: now } : p));
    const updated = await subscriptions(ctx).findOneAndUpdate(
      { _id: sub._id, paused: sub.paused, cancelledAt: null },
      { $set: { paused, pauses } },
      { returnDocument: 'after' },
    );
    if (updated) return updated;
  }
  throw new ConflictError('The subscription changed while it was being updated; try again', 'subscription_changed');
}

/** Cancels (idempotent). The doc stays: months already covered still count when their period is distributed. */
export async function cancelSubscription(ctx: ServerContext, readerId: string, id: string): Promise<void> {
  const sub = await ownSubscription(ctx, readerId, id);
  if (sub.cancelledAt) return;
  await subscriptions(ctx).updateOne(
    { _id: sub._id, cancelledAt: null },
    { $set: { cancelledAt: ctx.clock.now(), slot: sub._id.toHexString() } },
  );
}

export async function ensureSubscriptionIndexes(ctx: ServerContext): Promise<void> {
  await subscriptions(ctx).createIndex({ readerId: 1, thingId: 1, slot: 1 }, { unique: true, name: 'one_open_per_reader_thing' });
  await subscriptions(ctx).createIndex({ startPeriod: 1, endPeriod: 1 });
}
