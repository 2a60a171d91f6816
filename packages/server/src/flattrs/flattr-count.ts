import type { Db, ObjectId } from 'mongodb';
import { collections, groupCommit, type GroupCommit, type ItemOutcome, type ThingDoc } from '../db/index.js';
import { inThingTurn, rememberThing } from '../things/index.js';

interface Delta {
  thingId: ObjectId;
  delta: number;
}

/**
 * Adds `delta` to a thing's cached `flattrCount` and returns the thing after.
 * Concurrent adjustments are grouped (db/group-commit.ts): one flush sums the
 * deltas per thing and writes each thing once, in the thing's turn
 * (things/thing-turns.ts: FerretDB loses concurrent `$inc`); every caller is
 * answered after the write that holds its delta, so a count read after a 201
 * includes that flattr. Several server processes on one FerretDB can still
 * lose an increment: the count is a cache of `countDocuments({thingId})`,
 * which `recountFlattrs` restores.
 */
export function adjustFlattrCount(db: Db, thingId: ObjectId, delta: 1 | -1): Promise<ThingDoc | null> {
  return countAdjusterFor(db).submit({ thingId, delta });
}

const adjusters = new WeakMap<Db, GroupCommit<Delta, ThingDoc | null>>();

function countAdjusterFor(db: Db): GroupCommit<Delta, ThingDoc | null> {
  let adjuster = adjusters.get(db);
  if (!adjuster) {
    adjuster = groupCommit<Delta, ThingDoc | null>((items) => applyDeltas(db, items), { maxBatch: 256 });
    adjusters.set(db, adjuster);
  }
  return adjuster;
}

async function applyDeltas(db: Db, items: Delta[]): Promise<Array<ItemOutcome<ThingDoc | null>>> {
  const sums = new Map<string, { thingId: ObjectId; delta: number }>();
  for (const { thingId, delta } of items) {
    const key = thingId.toHexString();
    const sum = sums.get(key) ?? { thingId, delta: 0 };
    sum.delta += delta;
    sums.set(key, sum);
  }
  const things = collections.things(db);
  const after = new Map<string, ItemOutcome<ThingDoc | null>>();
  // Different things are different documents: their writes may run side by side.
  await Promise.all([...sums].map(async ([key, { thingId, delta }]) => {
    try {
      const thing = await inThingTurn(thingId, () => delta === 0
        ? things.findOne({ _id: thingId })
        // Only by `_id`: FerretDB pushes that filter down; a count never shows below zero (toThing).
        : things.findOneAndUpdate({ _id: thingId }, { $inc: { flattrCount: delta } }, { returnDocument: 'after' }));
      if (thing) rememberThing(db, thing);
      after.set(key, { ok: true, value: thing });
    } catch (error) {
      after.set(key, { ok: false, error });
    }
  }));
  return items.map((item) => after.get(item.thingId.toHexString())!);
}
