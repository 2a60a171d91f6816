import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ServerContext } from '../context.js';
import { ensureTtlIndex } from '../auth/ttl-index.js';

export { RateLimiterRes };

/** One counter: at most `points` per `durationSeconds` per key, shared by every instance through MongoDB. */
export interface LimiterSpec {
  /** The collection its counters live in (one per limiter: the local stand-in serialises each collection's operations). */
  collection: string;
  points: number;
  durationSeconds: number;
}

export interface Limiter {
  readonly spec: LimiterSpec;
  /** rate-limiter-flexible's API (consume, penalty, get, set, block, delete) over MongoDB, insured as below. */
  readonly store: RateLimiterAbstract;
}

/**
 * A rate-limiter-flexible MongoDB limiter (one document per key: `{key,
 * points, expire}`, looked up by the unique index on `key`), wrapped so that
 * a database that fails or does not answer within `timeoutMs` never fails the
 * request: the call falls back to an in-memory limiter of the same policy
 * (per instance, so limits stay on, only no longer shared). Once a key is
 * over its limit, this instance also remembers that in memory until the
 * window ends, so a flood costs no database writes (`inMemoryBlockOnConsumed`).
 */
export function createLimiter(ctx: ServerContext, spec: LimiterSpec, timeoutMs: number): Limiter {
  const policy = { points: spec.points, duration: spec.durationSeconds, keyPrefix: spec.collection };
  const mongo = new RateLimiterMongo({
    ...policy,
    storeClient: ctx.db,
    tableName: spec.collection,
    // Created by ensureLimiterIndexes at start, where a failure stops the start instead of being printed.
    disableIndexesCreation: true,
    inMemoryBlockOnConsumed: spec.points,
  });
  // The in-memory stand-in expires keys with timers, which cannot wait longer than ~24.8 days (2^31 ms): cap it at a day.
  const insurance = new RateLimiterMemory({ ...policy, duration: Math.min(spec.durationSeconds, 86_400) });
  const store = new RLWrapperTimeouts({ limiter: mongo, timeoutMs, insuranceLimiter: insurance });
  return { spec, store };
}

/**
 * The unique index every lookup goes by (`key`) and a TTL index on `expire`.
 * MongoDB's TTL monitor deletes expired counters; mongo-java-server, the local
 * stand-in, ignores TTL indexes, so `purgeExpiredCounters` runs too.
 */
export async function ensureLimiterIndexes(ctx: ServerContext, spec: LimiterSpec): Promise<void> {
  const collection = ctx.db.collection(spec.collection);
  await collection.createIndex({ key: 1 }, { unique: true });
  await ensureTtlIndex(collection, 'expire', 0);
}

/** Deletes counters whose window has ended (they are never read again: every lookup filters on `expire`). */
export async function purgeExpiredCounters(ctx: ServerContext, spec: LimiterSpec): Promise<number> {
  const result = await ctx.db.collection(spec.collection).deleteMany({ expire: { $lte: new Date() } });
  return result.deletedCount;
}

/** A counter key that stores no email address or IP in the clear. */
export function counterKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32);
}

/** Whole seconds until `res` frees a unit, at least 1 (for `Retry-After` and the RateLimit `t` parameter). */
export function secondsUntilReset(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
