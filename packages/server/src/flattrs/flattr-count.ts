import type { Db, ObjectId } from 'mongodb';
import { collections, type ThingDoc } from '../db/index.js';

/**
 * Adds `delta` to a thing's cached `flattrCount` and returns the thing after.
 *
 * FerretDB 1.24 does not apply `$inc` atomically under concurrency (its
 * SQLite backend reads, modifies and writes the document: measured, 50
 * parallel `$inc` kept 7). Updates of one thing therefore take turns within
 * this process; on MongoDB `$inc` is atomic anyway. Several server processes
 * on one FerretDB can still lose an increment: the count is a cache of
 * `countDocuments({thingId})`, which `recountFlattrs` restores.
 */
export function adjustFlattrCount(db: Db, thingId: ObjectId, delta: 1 | -1): Promise<ThingDoc | null> {
  return oneAtATime(thingId.toHexString(), () => collections.things(db).findOneAndUpdate(
    // Only by `_id`: FerretDB pushes that filter down; a count never goes below zero on read (toThing).
    { _id: thingId },
    { $inc: { flattrCount: delta } },
    { returnDocument: 'after' },
  ));
}

const turns = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = turns.get(key) ?? Promise.resolve();
  const result = previous.then(task, task);
  const done = result.then(() => {}, () => {});
  turns.set(key, done);
  void done.then(() => {
    if (turns.get(key) === done) turns.delete(key);
  });
  return result;
}
