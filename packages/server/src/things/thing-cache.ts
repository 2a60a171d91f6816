import type { Db, ObjectId } from 'mongodb';
import type { ThingDoc } from '../db/index.js';

/**
 * A short-lived in-process cache of things by id, for the click path: a click
 * on an existing thing needs its owner (to refuse an own click) and its
 * metadata (for the answer), and on FerretDB every `findOne` costs a scan-ish
 * read that grows with the collection.
 *
 * Staleness bound: THING_CACHE_TTL_MS. Writes made by this process refresh
 * the entry (registerThing, claims, count adjustments), so a process reads
 * its own writes. What another process or concern changes is seen at most
 * THING_CACHE_TTL_MS late; the one such change that matters is a site
 * verification giving unowned things an owner (sites/sites.ts): during that
 * window the new owner may flattr their own thing once more. The
 * distribution never pays a reader's share to themselves (see
 * distribution/compute-shares.ts, which skips reader == owner), so that
 * flattr earns nothing. The count in an answer is never this cache's alone:
 * things/flattr-counts.ts adds what this process has not written yet.
 */
export const THING_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  thing: ThingDoc;
  expiresAt: number;
}

const caches = new WeakMap<Db, Map<string, Entry>>();

function cacheOf(db: Db): Map<string, Entry> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  return cache;
}

export function cachedThing(db: Db, id: ObjectId): ThingDoc | undefined {
  const cache = cacheOf(db);
  const key = id.toHexString();
  const entry = cache.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    cache.delete(key);
    return undefined;
  }
  return entry.thing;
}

/** Stores what this process just read or wrote. */
export function rememberThing(db: Db, thing: ThingDoc): void {
  const cache = cacheOf(db);
  const key = thing._id.toHexString();
  cache.delete(key);
  // Insertion order is age order: evict the oldest when full.
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { thing, expiresAt: Date.now() + THING_CACHE_TTL_MS });
}

export function forgetThing(db: Db, id: ObjectId): void {
  cacheOf(db).delete(id.toHexString());
}
