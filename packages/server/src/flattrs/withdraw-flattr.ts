import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS } from '../db/index.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { toObjectId } from '../things/index.js';
import { adjustFlattrCount } from './flattr-count.js';

/**
 * Withdraws one of the reader's own flattrs while its period is not
 * distributed. Another reader's flattr answers 404, as if it did not exist.
 * Only the request whose delete removed the document decrements the count
 * (and answers 204; the others 404), so concurrent withdrawals count once.
 * The flattr goes with the Idempotency-Key it carried: a retry of that click
 * after the withdrawal flattrs again.
 */
export async function withdrawFlattr(ctx: ServerContext, readerId: string, flattrId: string): Promise<void> {
  const _id = toObjectId(flattrId);
  const reader = ObjectId.createFromHexString(readerId);
  const flattrs = collections.flattrs(ctx.db);
  // By `_id` alone (a filter of exactly the `_id` uses the index on the stand-in too), then the owner checked here.
  const flattr = _id ? await flattrs.findOne({ _id }) : null;
  if (!flattr || !flattr.readerId.equals(reader)) throw new NotFoundError(`You have no flattr with id ${flattrId}`, 'flattr_not_found');
  if (await ctx.db.collection(DISTRIBUTIONS).findOne({ _id: flattr.period as never }, { projection: { _id: 1 } })) {
    throw new ConflictError(`Period ${flattr.period} is distributed: its flattrs are final`, 'period_distributed');
  }
  const { deletedCount } = await flattrs.deleteOne({ _id: flattr._id });
  // A concurrent withdrawal got there first: for this request it no longer exists.
  if (deletedCount === 0) throw new NotFoundError(`You have no flattr with id ${flattrId}`, 'flattr_not_found');
  await adjustFlattrCount(ctx.db, flattr.thingId, -1);
}
