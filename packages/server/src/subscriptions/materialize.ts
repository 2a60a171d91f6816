import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { isDuplicateKeyError } from '../errors/index.js';
import { adjustFlattrCount, flattrIdFor } from '../flattrs/index.js';
import { parsePeriod } from '../money/index.js';
import { coversPeriod, decisiveInstant } from './coverage.js';
import { SUBSCRIPTIONS, type SubscriptionDoc } from './subscriptions.js';

export interface MaterializeSummary {
  period: string;
  /** Subscriptions that cover the period. */
  covering: number;
  /** Flattr docs this call created. */
  created: number;
  /** Covered, but the reader had clicked the thing in the period already (or an earlier call created it). */
  existing: number;
  /** Covered, but the thing is gone or the reader owns it now. */
  skipped: number;
}

/**
 * Turns every subscription that covers `period` into that period's flattr
 * `{readerId, thingId, period, source: 'subscription'}`, as if the reader had
 * clicked at the period's last instant. The distribution calls this before
 * it snapshots the clicks.
 *
 * Idempotent: the flattr's `_id` is derived from (reader, thing, period)
 * like a click's, and (reader, thing, period) is unique, so an existing click
 * counts once and a second call creates nothing; the thing's `flattrCount`
 * is bumped only by the call whose insert created the doc.
 * Streams the subscriptions (memory stays flat).
 */
export async function materializeSubscriptions(ctx: ServerContext, period: string): Promise<MaterializeSummary> {
  parsePeriod(period);
  const summary: MaterializeSummary = { period, covering: 0, created: 0, existing: 0, skipped: 0 };
  const createdAt = decisiveInstant(period);
  const cursor = ctx.db.collection<SubscriptionDoc>(SUBSCRIPTIONS)
    .find({ startPeriod: { $lte: period }, endPeriod: { $gte: period } })
    .sort({ _id: 1 });
  for await (const sub of cursor) {
    if (!coversPeriod(sub, period)) continue;
    summary.covering += 1;
    const thing = await collections.things(ctx.db).findOne({ _id: sub.thingId }, { projection: { ownerId: 1 } });
    if (!thing || thing.ownerId?.equals(sub.readerId)) {
      summary.skipped += 1;
      continue;
    }
    // The same derived `_id` as a click's (flattrs/record-flattr.ts): a click of that month and this
    // flattr meet at the unique key, whichever comes first, and a second call inserts nothing.
    let created = true;
    try {
      await collections.flattrs(ctx.db).insertOne({
        _id: flattrIdFor(sub.readerId, sub.thingId, period),
        readerId: sub.readerId, thingId: sub.thingId, period, source: 'subscription', createdAt,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      created = false;
    }
    if (created) {
      summary.created += 1;
      await adjustFlattrCount(ctx.db, sub.thingId, 1);
    } else {
      summary.existing += 1;
    }
  }
  return summary;
}
