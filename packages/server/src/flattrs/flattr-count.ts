import type { Db, ObjectId } from 'mongodb';
import { collections, type ThingDoc } from '../db/index.js';

/**
 * Adds `delta` to a thing's `flattrCount` with one atomic `$inc`, called by
 * the request whose write created (or deleted) the flattr, so concurrent
 * clicks each count once. Answers the thing as this change left it (null if
 * it is gone): the document before the change plus `delta`, exact on
 * MongoDB and on the stand-in alike ('before' was exact on the stand-in even
 * when its 'after' answered another concurrent call's document).
 */
export async function adjustFlattrCount(db: Db, thingId: ObjectId, delta: 1 | -1): Promise<ThingDoc | null> {
  const before = await collections.things(db).findOneAndUpdate({ _id: thingId }, { $inc: { flattrCount: delta } }, { returnDocument: 'before' });
  return before && { ...before, flattrCount: (before.flattrCount ?? 0) + delta };
}
