import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS, type FlattrDoc, type ThingDoc } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, UnprocessableError } from '../errors/index.js';
import { periodOf } from '../money/index.js';
import {
  createThingIfMissing, derivedObjectId, findThingById, hostOf, LIMITS, normalizeUrl, ownerForHost,
  inThingTurn, ThingNotFoundError, thingIdFor,
} from '../things/index.js';
import { adjustFlattrCount } from './flattr-count.js';
import type { RecordFlattrBody } from './schemas.js';

export interface RecordedFlattr {
  flattr: FlattrDoc;
  thing: ThingDoc;
  /** False when the reader had already flattred this thing in this period. */
  created: boolean;
}

/**
 * A reader's click: at most one flattr per (reader, thing, period), whatever
 * the number of concurrent clicks. The unique index decides who created it;
 * only that request increments the thing's `flattrCount` (or created the
 * thing already counting it, and takes that back if its flattr lost).
 *
 * The thing is created from the button's attributes on the first click of a
 * URL (the `creator` attribute becomes a claim, never the owner). A click on
 * one's own thing is refused before anything is written.
 */
export async function recordFlattr(ctx: ServerContext, readerId: string, input: RecordFlattrBody): Promise<RecordedFlattr> {
  const reader = ObjectId.createFromHexString(readerId);
  const period = periodOf(ctx.clock.now());
  // Distribution only runs on ended periods; this guards a clock that went back or a run started early.
  if (await ctx.db.collection(DISTRIBUTIONS).findOne({ _id: period as never }, { projection: { _id: 1 } })) {
    throw new ConflictError(`Period ${period} is already distributed`, 'period_distributed');
  }
  const { thing, countedAhead } = input.thingId !== undefined
    ? { thing: await existingThing(ctx, input.thingId), countedAhead: false }
    : await thingForUrl(ctx, reader, input);
  if (thing.ownerId?.equals(reader)) throw ownThing();

  const flattrs = collections.flattrs(ctx.db);
  // Derived from (reader, thing, period): a repeat click finds the flattr by `_id` (see derivedObjectId).
  const _id = flattrIdFor(reader, thing._id, period);
  const doc: FlattrDoc = { _id, readerId: reader, thingId: thing._id, period, createdAt: ctx.clock.now(), source: 'click' };
  try {
    await flattrs.insertOne(doc);
  } catch (error) {
    // This click created the thing already counting its flattr, and did not create the flattr after all.
    if (countedAhead) await adjustFlattrCount(ctx.db, thing._id, -1);
    if (!isDuplicateKeyError(error)) throw error;
    // A subscription (or other code) may have recorded this month's flattr under another id.
    const existing = (await flattrs.findOne({ _id })) ?? (await flattrs.findOne({ readerId: reader, thingId: thing._id, period }));
    if (!existing) throw error;
    return { flattr: existing, thing, created: false };
  }
  if (countedAhead) return { flattr: doc, thing, created: true };
  const counted = await adjustFlattrCount(ctx.db, thing._id, 1);
  return { flattr: doc, thing: counted ?? thing, created: true };
}

async function existingThing(ctx: ServerContext, thingId: string): Promise<ThingDoc> {
  const thing = await findThingById(ctx.db, thingId);
  if (!thing) throw new ThingNotFoundError(`with id ${thingId}`);
  return thing;
}

/**
 * The thing a click names by URL, created from the button's attributes if
 * missing. A thing this click creates starts with `flattrCount: 1`
 * (`countedAhead`): one write instead of an insert and an update.
 */
async function thingForUrl(ctx: ServerContext, reader: ObjectId, input: RecordFlattrBody): Promise<{ thing: ThingDoc; countedAhead: boolean }> {
  const url = normalizeUrl(input.url!);
  const things = collections.things(ctx.db);
  // The derived id alone: a thing stored under another id is met at the unique `url` index on insert below.
  const existing = await things.findOne({ _id: thingIdFor(url) });
  if (existing) {
    if (!existing.ownerId && existing.claimedCreator === null && input.creator !== undefined) {
      // A later button carries the creator the first one lacked: record the claim.
      const claimed = await inThingTurn(existing._id, () => things.findOneAndUpdate(
        { _id: existing._id, ownerId: null, claimedCreator: null },
        { $set: { claimedCreator: input.creator } },
        { returnDocument: 'after' },
      ));
      return { thing: claimed ?? existing, countedAhead: false };
    }
    return { thing: existing, countedAhead: false };
  }
  // New things on a verified site belong to whoever verified it: checked before the insert, so an own click writes nothing.
  const owner = await ownerForHost(ctx.db, hostOf(url));
  if (owner?.equals(reader)) throw ownThing();
  const { thing, created } = await createThingIfMissing(ctx, {
    url,
    title: input.title ?? defaultTitle(url),
    ownerId: owner,
    claimedCreator: input.creator ?? null,
    flattrCount: 1,
  });
  return { thing, countedAhead: created };
}

/** A button without a title: name the thing by its address until its owner registers a title. */
function defaultTitle(url: string): string {
  const { host, pathname, search } = new URL(url);
  const title = `${host}${pathname === '/' ? '' : pathname}${search}`;
  return title.length > LIMITS.title ? `${title.slice(0, LIMITS.title - 1)}…` : title;
}

export function flattrIdFor(reader: ObjectId, thing: ObjectId, period: string): ObjectId {
  return derivedObjectId('flattr', reader.toHexString(), thing.toHexString(), period);
}

function ownThing(): UnprocessableError {
  return new UnprocessableError('You cannot flattr your own thing', 'own_thing');
}
