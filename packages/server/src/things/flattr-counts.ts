import type { Db, ObjectId } from 'mongodb';
import { collections, type ThingDoc } from '../db/index.js';
import { cachedThing, rememberThing, THING_CACHE_TTL_MS } from './thing-cache.js';
import { inThingTurn } from './thing-turns.js';

/**
 * Write-behind of things' `flattrCount`. A click is answered once its flattr
 * is durable; its count delta waits here and is written by a background
 * flush, one `$inc` per thing per flush, in the thing's turn
 * (things/thing-turns.ts: FerretDB 1.24 loses concurrent `$inc`). Why: on
 * FerretDB an update by `_id` scans (tens of ms), so clicks on many
 * different things each waited for one such write.
 *
 * Exact in this process: every count this process answers goes through
 * `currentFlattrCount`, which adds what is pending. After this process's
 * first write of a thing, the stored count it read back (`base`) is the
 * reference, so a document read while a flush was running can neither miss
 * nor double a delta; before it, a read waits for a running first flush.
 * A state lives STATE_TTL_MS after its last change: longer than a thing-cache
 * entry read during its last flush can live, so once it is gone every
 * document this process can see holds its writes.
 *
 * Not exact: a crash loses the deltas of the last flush interval (the
 * flattrs themselves are durable; `reconcileFlattrCounts` at start repairs
 * the counts), and several processes on one FerretDB can lose an `$inc`
 * (read-modify-write) as before. Counts are public, cached 30 s, not money.
 */
export const COUNT_FLUSH_INTERVAL_MS = 100;
/**
 * Count writes in flight at once in the background: FerretDB's SQLite backend
 * runs one write at a time, so more only queue in front of the clicks'
 * inserts (click-path benchmark, spread order: 4 at a time 21 req/s, 1 at a
 * time 55, none 102). Things left over keep their deltas (and fold more) for
 * the next write.
 */
const MAX_BACKGROUND_WRITES = 1;
const STATE_TTL_MS = THING_CACHE_TTL_MS * 3;

interface CountState {
  thingId: ObjectId;
  /** The stored count as this process's last write of it left it; undefined before the first. */
  base: number | undefined;
  /** Deltas no write has taken yet. */
  pending: number;
  /** The delta of the write running now (0 when none). */
  flushing: number;
  /** The flush of this thing queued or running, if any. */
  flush: Promise<void> | undefined;
  /** How many writes took pending deltas, and how many of those succeeded (writeFlattrCount waits on them). */
  takes: number;
  written: number;
  touchedAt: number;
}

interface CountBuffer {
  db: Db;
  states: Map<string, CountState>;
  timer: NodeJS.Timeout | undefined;
  running: Set<Promise<void>>;
}

const buffers = new WeakMap<Db, CountBuffer>();

function bufferOf(db: Db): CountBuffer {
  let buffer = buffers.get(db);
  if (!buffer) buffers.set(db, (buffer = { db, states: new Map(), timer: undefined, running: new Set() }));
  return buffer;
}

function stateOf(buffer: CountBuffer, thingId: ObjectId): CountState {
  const key = thingId.toHexString();
  let state = buffer.states.get(key);
  if (!state) buffer.states.set(key, (state = { thingId, base: undefined, pending: 0, flushing: 0, flush: undefined, takes: 0, written: 0, touchedAt: Date.now() }));
  return state;
}

/** Adds `delta` to the thing's count, written within ~COUNT_FLUSH_INTERVAL_MS (call once the flattr change is durable). */
export function deferFlattrCount(db: Db, thingId: ObjectId, delta: number): void {
  const buffer = bufferOf(db);
  const state = stateOf(buffer, thingId);
  state.pending += delta;
  state.touchedAt = Date.now();
  schedule(buffer);
}

/** Adds `delta` and waits until a write holds it; answers the thing as stored then (for callers outside the click path). */
export async function writeFlattrCount(db: Db, thingId: ObjectId, delta: number): Promise<ThingDoc | null> {
  deferFlattrCount(db, thingId, delta);
  const buffer = bufferOf(db);
  const state = stateOf(buffer, thingId);
  // The next write to take pending deltas takes this one (a running one took its deltas before).
  const target = state.takes + 1;
  // A failed write throws here; the delta stays pending for the background flush.
  while (state.written < target) await (state.flush ?? flushThing(buffer, state));
  // The write remembered the thing it returned.
  const stored = cachedThing(db, thingId) ?? await collections.things(db).findOne({ _id: thingId });
  return stored && { ...stored, flattrCount: await currentFlattrCount(db, stored) };
}

/** The thing's count as this process knows it: the stored one (or its last write's) plus what is pending. */
export async function currentFlattrCount(db: Db, doc: Pick<ThingDoc, '_id' | 'flattrCount'>): Promise<number> {
  const state = buffers.get(db)?.states.get(doc._id.toHexString());
  if (!state) return Math.max(0, doc.flattrCount ?? 0);
  // Before the first write returns, a document read meanwhile may or may not hold it: wait for it.
  while (state.base === undefined && state.flush) await state.flush.catch(() => {});
  return Math.max(0, (state.base ?? doc.flattrCount ?? 0) + state.flushing + state.pending);
}

/** The thing with its count as this process knows it (for every answer that shows a count). */
export async function withCurrentCount(db: Db, doc: ThingDoc): Promise<ThingDoc> {
  const flattrCount = await currentFlattrCount(db, doc);
  return flattrCount === doc.flattrCount ? doc : { ...doc, flattrCount };
}

/** What this process has not written yet for the thing (reconciliation subtracts it from the flattrs it counts). */
export function pendingFlattrCount(db: Db, thingId: ObjectId): number {
  const state = buffers.get(db)?.states.get(thingId.toHexString());
  return state ? state.pending + state.flushing : 0;
}

/**
 * Called in the thing's turn after its count was set from the flattrs
 * (recountFlattrs): `stored` holds every flattr, minus what is still pending here.
 */
export function recountedFlattrCount(db: Db, thingId: ObjectId, stored: number): void {
  const state = buffers.get(db)?.states.get(thingId.toHexString());
  if (state) state.base = stored;
}

/** Writes everything pending and waits for it (graceful shutdown, tests). */
export async function flushFlattrCounts(db: Db): Promise<void> {
  const buffer = buffers.get(db);
  if (!buffer) return;
  if (buffer.timer) clearTimeout(buffer.timer);
  buffer.timer = undefined;
  // A few rounds: deltas added while a write ran, or a write that failed once; a database that stays down loses them.
  for (let round = 0; round < 5; round += 1) {
    for (const state of buffer.states.values()) if (state.pending !== 0 && !state.flush) void flushThing(buffer, state).catch(() => {});
    if (buffer.running.size === 0) break;
    await Promise.allSettled([...buffer.running]);
  }
  if (buffer.timer) clearTimeout(buffer.timer);
  buffer.timer = undefined;
}

function schedule(buffer: CountBuffer, keepAlive = true): void {
  if (buffer.timer) {
    if (keepAlive) buffer.timer.ref();
    return;
  }
  buffer.timer = setTimeout(() => {
    buffer.timer = undefined;
    flushAll(buffer);
  }, COUNT_FLUSH_INTERVAL_MS);
  // While deltas are pending the process stays up until they are written; expiring states alone does not hold it.
  if (!keepAlive) buffer.timer.unref();
}

function flushAll(buffer: CountBuffer): void {
  const now = Date.now();
  for (const [key, state] of buffer.states) {
    if (state.pending === 0 && !state.flush && now - state.touchedAt > STATE_TTL_MS) buffer.states.delete(key);
  }
  const pending = startWrites(buffer);
  // Keep ticking while something is pending or a state still has to expire.
  if (buffer.states.size > 0) schedule(buffer, pending);
}

/** Starts writes of pending things, oldest first, up to MAX_BACKGROUND_WRITES; answers whether any delta is pending. */
function startWrites(buffer: CountBuffer): boolean {
  let pending = false;
  for (const [key, state] of [...buffer.states]) {
    if (state.pending === 0) continue;
    pending = true;
    if (state.flush || buffer.running.size >= MAX_BACKGROUND_WRITES) continue;
    // To the back of the map: the things left over go first next time.
    buffer.states.delete(key);
    buffer.states.set(key, state);
    // When it is done, the next waiting thing takes its place at once.
    void flushThing(buffer, state).then(() => startWrites(buffer), () => {});
  }
  return pending;
}

/** One write of the thing's pending delta, in its turn; a failed write leaves the delta pending for the next flush. */
function flushThing(buffer: CountBuffer, state: CountState): Promise<void> {
  if (state.flush) return state.flush;
  const flush: Promise<void> = inThingTurn(state.thingId, async () => {
    const delta = state.pending;
    state.pending = 0;
    state.flushing = delta;
    state.takes += 1;
    try {
      // Deltas that cancel out need no write (and still count as written for writeFlattrCount).
      const after = delta === 0 ? null : await collections.things(buffer.db).findOneAndUpdate(
        // Only by `_id`: FerretDB pushes that filter down.
        { _id: state.thingId }, { $inc: { flattrCount: delta } }, { returnDocument: 'after' },
      );
      // Same tick: the delta moves from `flushing` into `base`, never counted twice.
      state.flushing = 0;
      state.written += 1;
      if (after) {
        state.base = after.flattrCount;
        rememberThing(buffer.db, after);
      }
    } catch (error) {
      state.pending += state.flushing;
      state.flushing = 0;
      schedule(buffer);
      throw error;
    } finally {
      state.touchedAt = Date.now();
      // Cleared in the turn itself, so whoever awaited this flush sees it gone.
      buffer.running.delete(flush);
      if (state.flush === flush) state.flush = undefined;
    }
  });
  state.flush = flush;
  buffer.running.add(flush);
  return flush;
}
