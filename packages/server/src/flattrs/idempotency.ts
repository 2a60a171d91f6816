import { createHash } from 'node:crypto';
import { AppError, ConflictError } from '../errors/index.js';

/** How long a key replays its answer; after that the same key starts afresh. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * A click's `Idempotency-Key`, as stored on the flattr that request created
 * (field `idempotency`, unique sparse index on `idempotency.key`): no
 * collection of its own, so remembering the key costs no write beyond the
 * flattr's insert, and finding it is a lookup by a unique key.
 */
export interface ClickKey {
  /** sha256 of user, operation and key: unique over all readers. */
  key: string;
  /** sha256 of the request body as canonical JSON (key order does not matter). */
  request: string;
}

export interface FlattrIdempotency extends ClickKey {
  /** When the key was used: it replays for IDEMPOTENCY_TTL_MS. */
  at: Date;
  /** The thing's count the first answer showed (the rest of the answer is the flattr and its thing). */
  count: number;
}

/** Validates the header (400 `invalid_idempotency_key`) and derives what is stored. */
export function clickKeyOf(userId: string, key: string, request: unknown): ClickKey {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7E]+$/.test(key)) {
    throw new AppError(400, 'invalid_idempotency_key',
      `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`);
  }
  return { key: sha256(`${userId}\u0000POST /v1/flattrs\u0000${key}`), request: sha256(canonicalJson(request)) };
}

/** Whether a stored key still replays at `now`. */
export function isLive(stored: FlattrIdempotency, now: Date): boolean {
  return now.getTime() - stored.at.getTime() <= IDEMPOTENCY_TTL_MS;
}

export function keyReused(): ConflictError {
  return new ConflictError('This Idempotency-Key was already used for a different request', 'idempotency_key_reused');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
