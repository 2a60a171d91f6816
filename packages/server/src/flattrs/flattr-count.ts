import type { Db, ObjectId } from 'mongodb';
import type { ThingDoc } from '../db/index.js';
import { writeFlattrCount } from '../things/index.js';

/**
 * Adds `delta` to a thing's `flattrCount` and waits until it is written;
 * answers the thing with its count as this process knows it. For callers off
 * the click path (subscriptions); clicks and withdrawals write their delta
 * behind the answer with `deferFlattrCount`. Either way the write is the
 * per-thing flush of things/flattr-counts.ts, one `$inc` per thing in the
 * thing's turn. The count is a cache of `countDocuments({thingId})`, which
 * `recountFlattrs` restores.
 */
export function adjustFlattrCount(db: Db, thingId: ObjectId, delta: 1 | -1): Promise<ThingDoc | null> {
  return writeFlattrCount(db, thingId, delta);
}
