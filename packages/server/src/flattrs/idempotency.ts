import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import type { ServerContext } from '../context.js';
import { AppError, ConflictError, isDuplicateKeyError } from '../errors/index.js';

/** Stored answers to requests that carried an `Idempotency-Key`. */
export const IDEMPOTENCY_KEYS = 'idempotency_keys';

/** How long a key replays its answer; after that the same key starts afresh. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

interface IdempotencyRecord {
  /** sha256 of (user, operation, key): keys are private to a user and an operation. */
  _id: string;
  requestHash: string;
  status: number;
  /** The answer's JSON text, replayed byte for byte. */
  bodyJson: string;
  createdAt: Date;
}

export interface StoredReply {
  status: number;
  body: unknown;
  replayed: boolean;
}

/**
 * Runs `perform` once per (user, operation, key): a retry with the same key
 * and the same request gets the first answer again (status and body); the
 * same key with a different request is refused with 409 `idempotency_key_reused`.
 *
 * No lock and no transaction: the answer is stored after `perform`, insert-if-absent.
 * `perform` must itself be idempotent (recording a flattr is), so two
 * concurrent requests with one key both run it, and both answer with
 * whichever stored answer won. Only successes are stored: a refused request
 * (4xx) may be retried with the same key once the cause is fixed.
 */
export async function runIdempotent(
  ctx: ServerContext,
  scope: { userId: string; operation: string; key: string | undefined; request: unknown },
  perform: () => Promise<{ status: number; body: unknown }>,
): Promise<StoredReply> {
  if (scope.key === undefined) return { ...(await perform()), replayed: false };
  validateKey(scope.key);
  const records = ctx.db.collection<IdempotencyRecord>(IDEMPOTENCY_KEYS);
  const _id = sha256(`${scope.userId}\u0000${scope.operation}\u0000${scope.key}`);
  const requestHash = sha256(canonicalJson(scope.request));
  const now = ctx.clock.now();

  const existing = await records.findOne({ _id });
  if (existing && !isExpired(existing, now)) return replay(existing, requestHash);
  if (existing) await records.deleteOne({ _id, createdAt: existing.createdAt });

  const reply = await perform();
  const record: IdempotencyRecord = { _id, requestHash, status: reply.status, bodyJson: JSON.stringify(reply.body), createdAt: now };
  try {
    await records.insertOne(record);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await records.findOne({ _id });
    if (!winner) throw error;
    return replay(winner, requestHash);
  }
  return { status: reply.status, body: JSON.parse(record.bodyJson), replayed: false };
}

export async function ensureIdempotencyIndexes(db: Db): Promise<void> {
  try {
    await db.collection(IDEMPOTENCY_KEYS).createIndex({ createdAt: 1 }, { expireAfterSeconds: IDEMPOTENCY_TTL_MS / 1000 });
  } catch {
    // FerretDB 1.x has no TTL indexes: expired records are then ignored and replaced on use (isExpired).
    await db.collection(IDEMPOTENCY_KEYS).createIndex({ createdAt: 1 });
  }
}

function replay(record: IdempotencyRecord, requestHash: string): StoredReply {
  if (record.requestHash !== requestHash) {
    throw new ConflictError('This Idempotency-Key was already used for a different request', 'idempotency_key_reused');
  }
  return { status: record.status, body: JSON.parse(record.bodyJson), replayed: true };
}

function isExpired(record: IdempotencyRecord, now: Date): boolean {
  return now.getTime() - record.createdAt.getTime() > IDEMPOTENCY_TTL_MS;
}

function validateKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7E]+$/.test(key)) {
    throw new AppError(400, 'invalid_idempotency_key',
      `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`);
  }
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
