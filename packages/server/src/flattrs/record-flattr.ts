import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS, type FlattrDoc, type ThingDoc } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, UnprocessableError } from '../errors/index.js';
import { periodOf } from '../money/index.js';
import {
  createThingIfMissing, findThingById, hostOf, LIMITS, normalizeUrl, ownerForHost, ThingNotFoundError,
} from '../things/index.js';
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
 * only that request increments the thing's `flattrCount`.
 *
 * The thing is created from the button's attributes on the first click of a
 * URL (the `creator` attribute becomes a claim, never the owner). A click on
 * one's own thing is refused before anything is written.
 */
export async function recordFlattr(ctx: ServerContext, readerId: string, input: RecordFlattrBody): Promise<RecordedFlattr> {
  const reader = ObjectId.createFromHexString(readerId);
  const thing = input.thingId !== undefined
    ? await existingThing(ctx, input.thingId)
    : await thingForUrl(ctx, reader, input);
  if (thing.ownerId?.equals(reader)) throw ownThing();

  const period = periodOf(ctx.clock.now());
  // Distribution only runs on ended periods; this guards a clock that went back or a run started early.
  if (await ctx.db.collection(DISTRIBUTIONS).findOne({ _id: period as never }, { projection: { _id: 1 } })) {
    throw new ConflictError(`Period ${period} is already distributed`, 'period_distributed');
  }

  const flattrs = collections.flattrs(ctx.db);
  const doc: FlattrDoc = { _id: new ObjectId(), readerId: reader, thingId: thing._id, period, createdAt: ctx.clock.now(), source: 'click' };
  try {
    await flattrs.insertOne(doc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await flattrs.findOne({ readerId: reader, thingId: thing._id, period });
    if (!existing) throw error;
    const current = await collections.things(ctx.db).findOne({ _id: thing._id });
    return { flattr: existing, thing: current ?? thing, created: false };
  }
  const counted = await collections.things(ctx.db).findOneAndUpdate(
    { _id: thing._id },
    { $inc: { flattrCount: 1 } },
    { returnDocument: 'after' },
  );
  return { flattr: doc, thing: counted ?? thing, created: true };
}

async function existingThing(ctx: ServerContext, thingId: string): Promise<ThingDoc> {
  const thing = await findThingById(ctx.db, thingId);
  if (!thing) throw new ThingNotFoundError(`with id ${thingId}`);
  return thing;
}

async function thingForUrl(ctx: ServerContext, reader: ObjectId, input: RecordFlattrBody): Promise<ThingDoc> {
  const url = normalizeUrl(input.url!);
  const things = collections.things(ctx.db);
  const existing = await things.findOne({ url });
  if (existing) {
    if (!existing.ownerId && existing.claimedCreator === null && input.creator !== undefined) {
      // A later button carries the creator the first one lacked: record the claim.
      const claimed = await things.findOneAndUpdate(
        { _id: existing._id, ownerId: null, claimedCreator: null },
        { $set: { claimedCreator: input.creator } },
        { returnDocument: 'after' },
      );
      return claimed ?? existing;
    }
    return existing;
  }
  // New things on a verified site belong to whoever verified it: checked before the insert, so an own click writes nothing.
  const owner = await ownerForHost(ctx.db, hostOf(url));
  if (owner?.equals(reader)) throw ownThing();
  const { thing } = await createThingIfMissing(ctx, {
    url,
    title: input.title ?? defaultTitle(url),
    ownerId: owner,
    claimedCreator: input.creator ?? null,
  });
  return thing;
}

/** A button without a title: name the thing by its address until its owner registers a title. */
function defaultTitle(url: string): string {
  const { host, pathname, search } = new URL(url);
  const title = `${host}${pathname === '/' ? '' : pathname}${search}`;
  return title.length > LIMITS.title ? `${title.slice(0, LIMITS.title - 1)}…` : title;
}

function ownThing(): UnprocessableError {
  return new UnprocessableError('You cannot flattr your own thing', 'own_thing');
}
