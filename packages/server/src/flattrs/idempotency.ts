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
  /** `pending` while the first request runs; `done` once its answer is stored. */
  state: 'pending' | 'done';
  status?: number;
  /** The answer's JSON text, replayed byte for byte. */
  bodyJson?: string;
  createdAt: Date;
}

export interface StoredReply {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** A retry that arrives while the first request runs waits this long for its answer, then gets 409. */
const WAIT_FOR_FIRST_MS = 3000;
/** A pending claim this old was left by a crashed request: a retry takes it over. */
const STALE_CLAIM_MS = 60_000;

/**
 * Runs `perform` once per (user, operation, key): a retry with the same key
 * and the same request gets the first answer again (status and body); the
 * same key with a different request is refused with 409 `idempotency_key_reused`.
 *
 * No transaction: the first request claims the key with an insert (the
 * unique `_id` decides who is first), performs, then stores its answer.
 * A retry that arrives meanwhile waits for that answer (409
 * `idempotency_request_in_progress` if it takes too long). Only successes
 * are stored: when `perform` fails the claim is dropped, so the same key
 * may be retried once the cause is fixed. A claim left by a crash is taken
 * over after a minute; `perform` is itself idempotent (recording a flattr
 * is), so even that cannot do the work twice.
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

  const claim = await claimKey(ctx, _id, requestHash);
  if (claim.replay) return claim.replay;
  let reply: { status: number; body: unknown };
  try {
    reply = await perform();
  } catch (error) {
    await records.deleteOne({ _id, state: 'pending', createdAt: claim.createdAt }).catch(() => {});
    throw error;
  }
  const bodyJson = JSON.stringify(reply.body);
  await records.updateOne({ _id, createdAt: claim.createdAt }, { $set: { state: 'done', status: reply.status, bodyJson } });
  return { status: reply.status, body: JSON.parse(bodyJson), replayed: false };
}

/** Makes this request the key's first user (returns the claim's time), or returns the answer to replay. */
async function claimKey(ctx: ServerContext, _id: string, requestHash: string): Promise<{ createdAt: Date; replay?: StoredReply }> {
  const records = ctx.db.collection<IdempotencyRecord>(IDEMPOTENCY_KEYS);
  const waitUntil = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const now = ctx.clock.now();
    try {
      await records.insertOne({ _id, requestHash, state: 'pending', createdAt: now });
      return { createdAt: now };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await records.findOne({ _id });
    if (!existing) continue;
    const age = now.getTime() - existing.createdAt.getTime();
    if (age > IDEMPOTENCY_TTL_MS || (existing.state === 'pending' && age > STALE_CLAIM_MS)) {
      // Expired, or abandoned by a crash: replace it, unless another retry just did.
      const taken = await records.findOneAndUpdate(
        { _id, createdAt: existing.createdAt },
        { $set: { requestHash, state: 'pending', createdAt: now }, $unset: { status: '', bodyJson: '' } },
      );
      if (taken) return { createdAt: now };
      continue;
    }
    if (existing.requestHash !== requestHash) {
      throw new ConflictError('This Idempotency-Key was already used for a different request', 'idempotency_key_reused');
    }
    if (existing.state === 'done') {
      return { createdAt: existing.createdAt, replay: { status: existing.status!, body: JSON.parse(existing.bodyJson!), replayed: true } };
    }
    if (Date.now() > waitUntil) {
      throw new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly', 'idempotency_request_in_progress');
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function ensureIdempotencyIndexes(db: Db): Promise<void> {
  try {
    await db.collection(IDEMPOTENCY_KEYS).createIndex({ createdAt: 1 }, { expireAfterSeconds: IDEMPOTENCY_TTL_MS / 1000 });
  } catch {
    // FerretDB 1.x has no TTL indexes: expired records are then replaced on use (claimKey).
    await db.collection(IDEMPOTENCY_KEYS).createIndex({ createdAt: 1 });
  }
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
