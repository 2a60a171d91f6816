import type { Db, ObjectId } from 'mongodb';
import { collections, type ThingDoc } from '../db/index.js';
import { inThingTurn } from '../things/index.js';

/**
 * Adds `delta` to a thing's cached `flattrCount` and returns the thing after,
 * in the thing's turn (things/thing-turns.ts: FerretDB loses concurrent `$inc`).
 * Several server processes on one FerretDB can still lose an increment: the
 * count is a cache of `countDocuments({thingId})`, which `recountFlattrs` restores.
 */
export function adjustFlattrCount(db: Db, thingId: ObjectId, delta: 1 | -1): Promise<ThingDoc | null> {
  return inThingTurn(thingId, () => collections.things(db).findOneAndUpdate(
    // Only by `_id`: FerretDB pushes that filter down; a count never shows below zero (toThing).
    { _id: thingId },
    { $inc: { flattrCount: delta } },
    { returnDocument: 'after' },
  ));
}
