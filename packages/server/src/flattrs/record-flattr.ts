import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, groupedInsertsInto, type FlattrDoc, type ThingDoc } from '../db/index.js';
import { ConflictError, UnprocessableError } from '../errors/index.js';
import { periodOf } from '../money/index.js';
import {
  cachedThing, createThingIfMissing, derivedObjectId, hostOf, LIMITS, normalizeUrl, ownerForHost,
  deferFlattrCount, inThingTurn, rememberThing, ThingNotFoundError, thingIdFor, toObjectId, withCurrentCount,
} from '../things/index.js';
import { isPeriodDistributed } from './period-check.js';
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
 * The click is answered once its flattr is durable; the count delta is
 * written behind it (things/flattr-counts.ts), and the answer's count
 * includes it (`withCurrentCount`).
 *
 * The thing is created from the button's attributes on the first click of a
 * URL (the `creator` attribute becomes a claim, never the owner). A click on
 * one's own thing is refused before anything is written.
 */
export async function recordFlattr(ctx: ServerContext, readerId: string, input: RecordFlattrBody): Promise<RecordedFlattr> {
  const reader = ObjectId.createFromHexString(readerId);
  const period = periodOf(ctx.clock.now());
  // Distribution only runs on ended periods; this guards a clock that went back or a run started early.
  // The check runs beside the thing's lookup (independent reads); nothing is written before it passed.
  const distributed = isPeriodDistributed(ctx.db, period);
  distributed.catch(() => {});
  const refuseIfDistributed = async () => {
    if (await distributed) throw new ConflictError(`Period ${period} is already distributed`, 'period_distributed');
  };
  const { thing, countedAhead } = input.thingId !== undefined
    ? { thing: await existingThing(ctx, input.thingId), countedAhead: false }
    : await thingForUrl(ctx, reader, input, refuseIfDistributed);
  await refuseIfDistributed();
  if (thing.ownerId?.equals(reader)) throw ownThing();

  const flattrs = collections.flattrs(ctx.db);
  // Derived from (reader, thing, period): a repeat click finds the flattr by `_id` (see derivedObjectId).
  const _id = flattrIdFor(reader, thing._id, period);
  const doc: FlattrDoc = { _id, readerId: reader, thingId: thing._id, period, createdAt: ctx.clock.now(), source: 'click' };
  let outcome: 'inserted' | 'duplicate';
  try {
    // Grouped with the other clicks' inserts into one insertMany (db/group-commit.ts); the outcome is still this document's own.
    outcome = await groupedInsertsInto<FlattrDoc>(ctx.db, 'flattrs').submit(doc);
  } catch (error) {
    if (countedAhead) deferFlattrCount(ctx.db, thing._id, -1);
    throw error;
  }
  if (outcome === 'duplicate') {
    // This click created the thing already counting its flattr, and did not create the flattr after all.
    if (countedAhead) deferFlattrCount(ctx.db, thing._id, -1);
    // A subscription (or other code) may have recorded this month's flattr under another id.
    const existing = (await flattrs.findOne({ _id })) ?? (await flattrs.findOne({ readerId: reader, thingId: thing._id, period }));
    if (!existing) throw new ConflictError('The flattr changed while it was being recorded; try again', 'flattr_changed');
    return { flattr: existing, thing: await withCurrentCount(ctx.db, thing), created: false };
  }
  // Deferred in the same tick the insert was reported durable: a recount never sees the flattr without its delta pending.
  if (!countedAhead) deferFlattrCount(ctx.db, thing._id, 1);
  return { flattr: doc, thing: await withCurrentCount(ctx.db, thing), created: true };
}

async function existingThing(ctx: ServerContext, thingId: string): Promise<ThingDoc> {
  const _id = toObjectId(thingId);
  const thing = _id ? await thingById(ctx, _id) : null;
  if (!thing) throw new ThingNotFoundError(`with id ${thingId}`);
  return thing;
}

/** A thing by id through the short-lived cache (things/thing-cache.ts: staleness bound and why it is safe). */
async function thingById(ctx: ServerContext, _id: ObjectId): Promise<ThingDoc | null> {
  const cached = cachedThing(ctx.db, _id);
  if (cached) return cached;
  const thing = await collections.things(ctx.db).findOne({ _id });
  if (thing) rememberThing(ctx.db, thing);
  return thing;
}

/**
 * The thing a click names by URL, created from the button's attributes if
 * missing. A thing this click creates starts with `flattrCount: 1`
 * (`countedAhead`): one write instead of an insert and an update.
 */
async function thingForUrl(
  ctx: ServerContext, reader: ObjectId, input: RecordFlattrBody, beforeWriting: () => Promise<void>,
): Promise<{ thing: ThingDoc; countedAhead: boolean }> {
  const url = normalizeUrl(input.url!);
  const things = collections.things(ctx.db);
  // The derived id alone: a thing stored under another id is met at the unique `url` index on insert below.
  const existing = await thingById(ctx, thingIdFor(url));
  if (existing) {
    if (!existing.ownerId && existing.claimedCreator === null && input.creator !== undefined) {
      await beforeWriting();
      // A later button carries the creator the first one lacked: record the claim.
      const claimed = await inThingTurn(existing._id, () => things.findOneAndUpdate(
        { _id: existing._id, ownerId: null, claimedCreator: null },
        { $set: { claimedCreator: input.creator } },
        { returnDocument: 'after' },
      ));
      if (claimed) rememberThing(ctx.db, claimed);
      return { thing: claimed ?? existing, countedAhead: false };
    }
    return { thing: existing, countedAhead: false };
  }
  // New things on a verified site belong to whoever verified it: checked before the insert, so an own click writes nothing.
  const owner = await ownerForHost(ctx.db, hostOf(url));
  if (owner?.equals(reader)) throw ownThing();
  await beforeWriting();
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
