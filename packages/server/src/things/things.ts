import { ObjectId, type Db } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, type ThingDoc } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, NotFoundError } from '../errors/index.js';
import { hostOf, normalizeUrl } from './normalize-url.js';
import { thingIdFor, toObjectId } from './object-id.js';
import type { ThingMetadata } from './schemas.js';
import { ownerForHost } from './site-owner.js';

export class ThingNotFoundError extends NotFoundError {
  constructor(what: string) {
    super(`No thing ${what}`, 'thing_not_found');
  }
}

export async function findThingById(db: Db, id: string): Promise<ThingDoc | null> {
  const _id = toObjectId(id);
  return _id ? collections.things(db).findOne({ _id }) : null;
}

/** Finds the thing for any spelling of its URL (throws `invalid_url` for a URL that cannot name one). */
export async function findThingByUrl(db: Db, url: string): Promise<ThingDoc | null> {
  return findThingByNormalizedUrl(db, normalizeUrl(url));
}

/** By its derived id first (fast everywhere); by `url` for a thing some other code inserted with another id. */
export async function findThingByNormalizedUrl(db: Db, url: string): Promise<ThingDoc | null> {
  const things = collections.things(db);
  return (await things.findOne({ _id: thingIdFor(url) })) ?? things.findOne({ url });
}

export async function getThing(db: Db, id: string): Promise<ThingDoc> {
  const thing = await findThingById(db, id);
  if (!thing) throw new ThingNotFoundError(`with id ${id}`);
  return thing;
}

export interface NewThing extends ThingMetadata {
  /** Already normalised. */
  url: string;
  ownerId: ObjectId | null;
  claimedCreator: string | null;
}

/**
 * Inserts the thing unless its URL exists; either way returns the stored one.
 * Callers look it up first (`findThingByNormalizedUrl`); two concurrent
 * creators of one URL meet at the unique `_id`/`url`: the loser reads the winner's.
 */
export async function createThingIfMissing(ctx: ServerContext, input: NewThing): Promise<{ thing: ThingDoc; created: boolean }> {
  const things = collections.things(ctx.db);
  const doc: ThingDoc = {
    _id: thingIdFor(input.url),
    url: input.url,
    host: hostOf(input.url),
    title: input.title,
    ...(input.description !== undefined ? { description: input.description } : {}),
    tags: input.tags ?? [],
    ...(input.language !== undefined ? { language: input.language } : {}),
    ownerId: input.ownerId,
    claimedCreator: input.claimedCreator,
    flattrCount: 0,
    createdAt: ctx.clock.now(),
  };
  try {
    await things.insertOne(doc);
    return { thing: doc, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await findThingByNormalizedUrl(ctx.db, input.url);
    if (!winner) throw error;
    return { thing: winner, created: false };
  }
}

export interface RegisterThingInput extends ThingMetadata {
  url: string;
}

/**
 * `POST /v1/things`: a creator registers a piece of content.
 *
 * - The caller owns the thing only if they verified a site for its host;
 *   otherwise it is created unowned with the caller as `claimedCreator`
 *   (its shares wait in escrow until someone verifies the site).
 * - An existing thing: its owner updates the metadata (200); another
 *   owner's thing is refused (409 `thing_owned_by_other`); an unowned one
 *   records the caller's claim (200) and becomes theirs if they verified the host.
 * - A new URL on a host another user verified: 409 as well, nothing written.
 */
export async function registerThing(ctx: ServerContext, callerId: string, input: RegisterThingInput): Promise<{ thing: ThingDoc; created: boolean }> {
  const caller = ObjectId.createFromHexString(callerId);
  const url = normalizeUrl(input.url);
  const host = hostOf(url);
  const owner = await ownerForHost(ctx.db, host, caller);
  const things = collections.things(ctx.db);

  // A lost race to create or to claim is settled by re-reading, a few rounds at most.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const existing = await findThingByNormalizedUrl(ctx.db, url);
    if (!existing) {
      if (owner && !owner.equals(caller)) throw ownedByOther(url);
      const result = await createThingIfMissing(ctx, { ...input, url, ownerId: owner, claimedCreator: callerId });
      if (result.created) return result;
      continue;
    }
    if (existing.ownerId) {
      if (!existing.ownerId.equals(caller)) throw ownedByOther(url);
      // 'before' plus the change (see flattrs/flattr-count.ts).
      const before = await things.findOneAndUpdate({ _id: existing._id, ownerId: caller }, { $set: metadataUpdate(input) }, { returnDocument: 'before' });
      if (before) return { thing: { ...before, ...metadataUpdate(input) }, created: false };
      continue;
    }
    // Unowned: the caller takes it if they verified its host, else only records a claim.
    const change: Partial<ThingDoc> = owner?.equals(caller)
      ? { ownerId: caller, claimedCreator: callerId, ...metadataUpdate(input) }
      : { claimedCreator: callerId };
    const before = await things.findOneAndUpdate({ _id: existing._id, ownerId: null }, { $set: change }, { returnDocument: 'before' });
    if (before) return { thing: { ...before, ...change }, created: false };
  }
  throw new ConflictError('The thing changed while it was being registered; try again', 'thing_changed');
}

function metadataUpdate(input: ThingMetadata): Partial<ThingDoc> {
  return {
    title: input.title,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.tags !== undefined ? { tags: input.tags } : {}),
    ...(input.language !== undefined ? { language: input.language } : {}),
  };
}

function ownedByOther(url: string): ConflictError {
  return new ConflictError(`${url} belongs to another user who verified its site`, 'thing_owned_by_other');
}

/**
 * Rebuilds a thing's `flattrCount` from the flattrs (the source of truth).
 * Without transactions a crash between a flattr's insert (or delete) and its
 * `$inc` leaves the count one off; this repairs it. Clicks on the thing while
 * it runs can be missed by the count it sets: run it again if there were any.
 * Answers the count.
 */
export async function recountFlattrs(db: Db, thingId: ObjectId): Promise<number> {
  const count = await collections.flattrs(db).countDocuments({ thingId });
  await collections.things(db).updateOne({ _id: thingId }, { $set: { flattrCount: count } });
  return count;
}

export interface RecountReport {
  things: number;
  /** Things whose stored count differed from their flattrs and was set. */
  changed: Array<{ thingId: string; before: number; after: number }>;
  /** Things clicked while the recount ran (their count moved after it was read): run it again for them. */
  skipped: string[];
}

/**
 * `recountFlattrs` for every thing: the flattrs counted per thing in one
 * aggregation (one number per clicked thing in memory), then each thing
 * whose stored count differs is set, with an update that names the count it
 * read, so a click counted meanwhile is not overwritten (that thing is
 * reported as skipped instead).
 */
export async function recountAllFlattrs(db: Db): Promise<RecountReport> {
  const counts = new Map<string, number>();
  for await (const row of collections.flattrs(db).aggregate<{ _id: ObjectId; n: number }>([{ $group: { _id: '$thingId', n: { $sum: 1 } } }])) {
    counts.set(row._id.toHexString(), row.n);
  }
  const report: RecountReport = { things: 0, changed: [], skipped: [] };
  for await (const thing of collections.things(db).find({}, { projection: { flattrCount: 1 } }).sort({ _id: 1 })) {
    report.things += 1;
    const thingId = thing._id.toHexString();
    const count = counts.get(thingId) ?? 0;
    if (thing.flattrCount === count) continue;
    const result = await collections.things(db).updateOne({ _id: thing._id, flattrCount: thing.flattrCount }, { $set: { flattrCount: count } });
    if (result.modifiedCount === 1) report.changed.push({ thingId, before: thing.flattrCount, after: count });
    else report.skipped.push(thingId);
  }
  return report;
}

export async function ensureThingIndexes(db: Db): Promise<void> {
  await collections.things(db).createIndex({ url: 1 }, { unique: true });
  await collections.things(db).createIndex({ host: 1 });
  await collections.things(db).createIndex({ ownerId: 1 });
}

export interface OwnedThing {
  thing: ThingDoc;
  /** Flattrs of `period` (one per reader). */
  periodCount: number;
}

/** A creator's things (by its index on `ownerId`), newest first, each with its flattrs in `period` (one aggregate). */
export async function listOwnedThings(db: Db, ownerId: ObjectId, period: string): Promise<OwnedThing[]> {
  const things = await collections.things(db).find({ ownerId }).sort({ createdAt: -1, _id: -1 }).limit(500).toArray();
  if (things.length === 0) return [];
  const counts = await collections.flattrs(db).aggregate<{ _id: ObjectId; n: number }>([
    { $match: { thingId: { $in: things.map((t) => t._id) }, period } },
    { $group: { _id: '$thingId', n: { $sum: 1 } } },
  ]).toArray();
  const byId = new Map(counts.map((c) => [c._id.toHexString(), c.n]));
  return things.map((thing) => ({ thing, periodCount: byId.get(thing._id.toHexString()) ?? 0 }));
}
