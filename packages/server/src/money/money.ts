import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/index.js';

/** Throws unless `amount` is an integer count of minor units (cents) that floats represent exactly. */
export function assertMinorUnits(amount: number, what = 'amount'): number {
  if (!Number.isSafeInteger(amount)) throw new ValidationError(`${what} must be an integer number of minor units`);
  return amount;
}

/**
 * Splits `total` over `keys`: `floor(total/n)` each, and the remainder one unit
 * at a time to keys ordered by sha256(seed + key). The order is deterministic
 * (a re-run gives the same result) but not biased towards any key.
 */
export function splitEvenly(total: number, keys: readonly string[], seed: string): Map<string, number> {
  assertMinorUnits(total, 'total');
  if (total < 0) throw new RangeError('cannot split a negative total');
  const shares = new Map<string, number>();
  if (keys.length === 0) return shares;
  const base = Math.floor(total / keys.length);
  let remainder = total - base * keys.length;
  // Each key hashed once (not once per comparison): sorted by (hash, key).
  const ordered = [...new Set(keys)]
    .map((key) => ({ key, hash: hashOf(seed, key) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((k) => k.key);
  if (ordered.length !== keys.length) throw new RangeError('splitEvenly needs distinct keys');
  for (const key of ordered) {
    shares.set(key, base + (remainder > 0 ? 1 : 0));
    if (remainder > 0) remainder -= 1;
  }
  return shares;
}

/**
 * The platform fee on one share, in basis points, rounded half down so that
 * `fee + net === share` exactly and the fee never exceeds the rate.
 */
export function feeOf(share: number, feeBps: number): number {
  assertMinorUnits(share, 'share');
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 10_000) throw new RangeError('feeBps must be 0..10000');
  return Math.floor((share * feeBps) / 10_000);
}

function hashOf(seed: string, key: string): string {
  return createHash('sha256').update(`${seed}\u0000${key}`).digest('hex');
}
