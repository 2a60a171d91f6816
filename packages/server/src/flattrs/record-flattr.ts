import { ObjectId, type Collection, type Db } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS, type FlattrDoc, type ThingDoc } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, UnprocessableError } from '../errors/index.js';
import { periodOf } from '../money/index.js';
import {
  createThingIfMissing, derivedObjectId, hostOf, LIMITS, normalizeUrl, ownerForHost, ThingNotFoundError, thingIdFor, toObjectId,
} from '../things/index.js';
import { adjustFlattrCount } from './flattr-count.js';
import { isLive, keyReused, type ClickKey, type FlattrIdempotency } from './idempotency.js';
import type { RecordFlattrBody } from './schemas.js';

/** A flattr as stored: one created by a request with an Idempotency-Key carries that key. */
export interface StoredFlattr extends FlattrDoc {
  idempotency?: FlattrIdempotency;
}

export interface RecordedFlattr {
  flattr: FlattrDoc;
  thing: ThingDoc;
  /** False when the reader had already flattred this thing in this period. */
  created: boolean;
  /** A retry with the key of the request that created the flattr: its answer again. */
  replayed: boolean;
}

/** Reads and writes of one click; a lost race to create the flattr (or to take the key) costs a round. */
const ATTEMPTS = 3;

/**
 * Asked once, before a click writes anything for a flattr it is about to
 * create (not for a repeat or a replay): it may refuse by throwing, or
 * returns the undo for a click that then creates no flattr after all (a
 * site's monthly cap: auth/site-token-cap.ts).
 */
export type AdmitNewFlattr = (period: string) => Promise<() => Promise<void>>;

/**
 * A reader's click: at most one flattr per (reader, thing, period), whatever
 * the number of concurrent clicks. The flattr's `_id` is derived from
 * (reader, thing, period), so the insert decides who created it: that
 * request alone adds 1 to the thing's `flattrCount` (`$inc`, before the
 * answer), and answers the count its own `$inc` made. The others read the
 * flattr and answer 200.
 *
 * A first click on an existing thing costs three commands: one read of all
 * it decides on (`readClick`), the flattr's insert and the `$inc`. A repeat
 * click and a replayed retry cost the read alone. The thing is created from
 * the button's attributes on the first click of a URL (the `creator`
 * attribute becomes a claim, never the owner). A click on one's own thing is
 * refused before anything is written. docs/things.md: "What one click costs".
 */
export async function recordFlattr(
  ctx: ServerContext, readerId: string, input: RecordFlattrBody, key?: ClickKey, admit?: AdmitNewFlattr,
): Promise<RecordedFlattr> {
  if (!admit) return clickOnce(ctx, readerId, input, key, undefined);
  let undo: (() => Promise<void>) | undefined;
  const admitOnce: AdmitNewFlattr = async (period) => {
    undo ??= await admit(period);
    return undo;
  };
  let created = false;
  try {
    const recorded = await clickOnce(ctx, readerId, input, key, admitOnce);
    created = recorded.created && !recorded.replayed;
    return recorded;
  } finally {
    if (undo && !created) await undo();
  }
}

async function clickOnce(
  ctx: ServerContext, readerId: string, input: RecordFlattrBody, key: ClickKey | undefined, admit: AdmitNewFlattr | undefined,
): Promise<RecordedFlattr> {
  const reader = ObjectId.createFromHexString(readerId);
  const now = ctx.clock.now();
  const period = periodOf(now);
  const url = input.url === undefined ? undefined : normalizeUrl(input.url);
  let thingId = url === undefined ? toObjectId(input.thingId) : thingIdFor(url);
  if (!thingId) throw new ThingNotFoundError(`with id ${input.thingId}`);
  const flattrs = collections.flattrs(ctx.db) as unknown as Collection<StoredFlattr>;

  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const _id = flattrIdFor(reader, thingId, period);
    const view = await readClick(ctx.db, { period, thingId, flattrId: _id, key: key?.key });
    let expiredKey: StoredFlattr | undefined;
    if (key && view.keyHolder) {
      const holder = view.keyHolder;
      if (!isLive(holder.idempotency!, now)) {
        expiredKey = holder;
      } else {
        if (holder.idempotency!.request !== key.request) throw keyReused();
        // The same body names the same thing; a thing stored under an id of its own is read again by that id.
        if (!holder.thingId.equals(thingId)) {
          thingId = holder.thingId;
          continue;
        }
        if (view.thing) return { flattr: holder, thing: { ...view.thing, flattrCount: holder.idempotency!.count }, created: true, replayed: true };
      }
    }
    // Distribution only runs on ended periods; this guards a clock that went back or a run started early.
    if (view.distributed) throw new ConflictError(`Period ${period} is already distributed`, 'period_distributed');
    let thing = view.thing;
    if (thing?.ownerId?.equals(reader)) throw ownThing();
    // A new flattr is about to be written (perhaps its thing first): the last word before any write.
    if (!view.flattr && admit && (thing || url !== undefined)) await admit(period);
    if (!thing) {
      if (url === undefined) throw new ThingNotFoundError(`with id ${input.thingId}`);
      thing = await createThingForClick(ctx, reader, url, input);
      // Found under an id of its own (created by other code): read again by that id.
      if (!thing._id.equals(thingId)) {
        thingId = thing._id;
        continue;
      }
    }
    if (thing.ownerId?.equals(reader)) throw ownThing();
    if (url !== undefined) thing = await recordClaim(ctx, thing, input.creator);
    if (view.flattr) return { flattr: view.flattr, thing, created: false, replayed: false };

    // The key was last used more than IDEMPOTENCY_TTL_MS ago, on another flattr: it starts afresh.
    if (expiredKey) await flattrs.updateOne({ _id: expiredKey._id }, { $unset: { idempotency: '' } });
    const flattr: FlattrDoc = { _id, readerId: reader, thingId: thing._id, period, createdAt: now, source: 'click' };
    // What the answer will show if no other click on the thing comes in between (stored with the key, corrected below if one does).
    const expectedCount = (thing.flattrCount ?? 0) + 1;
    try {
      await flattrs.insertOne(key ? { ...flattr, idempotency: { ...key, at: now, count: expectedCount } } : flattr);
    } catch (error) {
      // Another request created this flattr, or took this key, since the read: read again and answer as it did.
      if (isDuplicateKeyError(error)) continue;
      throw error;
    }
    const counted = (await adjustFlattrCount(ctx.db, thing._id, 1)) ?? { ...thing, flattrCount: expectedCount };
    if (key && counted.flattrCount !== expectedCount) {
      await flattrs.updateOne({ _id }, { $set: { 'idempotency.count': counted.flattrCount } });
    }
    return { flattr, thing: counted, created: true, replayed: false };
  }
  throw new ConflictError('The flattr changed while it was being recorded; try again', 'flattr_changed');
}

export function flattrIdFor(reader: ObjectId, thing: ObjectId, period: string): ObjectId {
  return derivedObjectId('flattr', reader.toHexString(), thing.toHexString(), period);
}

interface ClickView {
  /** The period has a distribution run: its flattrs are final. */
  distributed: boolean;
  thing: ThingDoc | null;
  /** This reader's flattr of the thing in the period. */
  flattr: StoredFlattr | null;
  /** The flattr that holds the request's Idempotency-Key, if any. */
  keyHolder: StoredFlattr | null;
}

interface ClickRow {
  runs: unknown[];
  things: ThingDoc[];
  flattrs: StoredFlattr[];
  keyHolders?: StoredFlattr[];
}

/**
 * Everything a click decides on, in one command: an aggregate on
 * `distributions` that starts from the period's run by `_id` (`$facet` makes
 * one document of none or one) and looks up the thing by `_id`, this
 * reader's flattr by its derived `_id`, and the flattr holding the key by
 * its unique `idempotency.key`. Every lookup is by `_id` or a unique key, on
 * MongoDB and on the stand-in alike; `distributions` holds one document per
 * distributed month. The stand-in does not copy aggregation output under its
 * lock (docs/database.md, "Whole documents"), so a document updated meanwhile
 * may read half old: what a click decides on are single fields (whether a
 * document exists, `ownerId`, the key's hashes), and the count it answers
 * comes from its own `$inc`.
 */
async function readClick(db: Db, ids: { period: string; thingId: ObjectId; flattrId: ObjectId; key: string | undefined }): Promise<ClickView> {
  const lookup = (from: string, localField: string, foreignField: string, as: string) => ({ $lookup: { from, localField, foreignField, as } });
  const [row] = await db.collection(DISTRIBUTIONS).aggregate<ClickRow>([
    { $match: { _id: ids.period } },
    { $facet: { runs: [{ $project: { _id: 1 } }] } },
    { $addFields: { thingId: { $literal: ids.thingId }, flattrId: { $literal: ids.flattrId }, ...(ids.key === undefined ? {} : { key: { $literal: ids.key } }) } },
    lookup('things', 'thingId', '_id', 'things'),
    lookup('flattrs', 'flattrId', '_id', 'flattrs'),
    // Only with a key: a lookup of a missing value would match every flattr without one.
    ...(ids.key === undefined ? [] : [lookup('flattrs', 'key', 'idempotency.key', 'keyHolders')]),
  ]).toArray();
  if (row) return { distributed: row.runs.length > 0, thing: row.things[0] ?? null, flattr: row.flattrs[0] ?? null, keyHolder: row.keyHolders?.[0] ?? null };
  // No document at all: `distributions` does not exist (the flattrs module creates it at start); the same reads one by one.
  const flattrs = collections.flattrs(db) as unknown as Collection<StoredFlattr>;
  const [run, thing, flattr, keyHolder] = await Promise.all([
    db.collection(DISTRIBUTIONS).findOne({ _id: ids.period as never }, { projection: { _id: 1 } }),
    collections.things(db).findOne({ _id: ids.thingId }),
    flattrs.findOne({ _id: ids.flattrId }),
    ids.key === undefined ? null : flattrs.findOne({ 'idempotency.key': ids.key }),
  ]);
  return { distributed: run !== null, thing, flattr, keyHolder };
}

/** A thing for a click on a URL nobody registered or flattred yet, from the button's attributes. */
async function createThingForClick(ctx: ServerContext, reader: ObjectId, url: string, input: RecordFlattrBody): Promise<ThingDoc> {
  // New things on a verified site belong to whoever verified it: checked before the insert, so an own click writes nothing.
  const owner = await ownerForHost(ctx.db, hostOf(url));
  if (owner?.equals(reader)) throw ownThing();
  const { thing } = await createThingIfMissing(ctx, { url, title: input.title ?? defaultTitle(url), ownerId: owner, claimedCreator: input.creator ?? null });
  return thing;
}

/** A later button carries the creator the first one lacked: record the claim (once per thing). */
async function recordClaim(ctx: ServerContext, thing: ThingDoc, creator: string | undefined): Promise<ThingDoc> {
  if (creator === undefined || thing.ownerId || thing.claimedCreator !== null) return thing;
  const before = await collections.things(ctx.db).findOneAndUpdate(
    { _id: thing._id, ownerId: null, claimedCreator: null }, { $set: { claimedCreator: creator } }, { returnDocument: 'before' },
  );
  return before ? { ...before, claimedCreator: creator } : thing;
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
