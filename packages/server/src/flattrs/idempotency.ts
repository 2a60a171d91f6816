import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import type { ServerContext } from '../context.js';
import { groupedInsertsInto } from '../db/index.js';
import { AppError, ConflictError } from '../errors/index.js';

/** Claims and stored answers of requests that carried an `Idempotency-Key`. */
export const IDEMPOTENCY_KEYS = 'idempotency_keys';

/** How long a key replays its answer; after that the same key starts afresh. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A retry that arrives while the first request runs waits this long for its answer, then gets 409. */
const WAIT_FOR_FIRST_MS = 3000;
/** A claim this old without an answer was left by a crashed request: a retry takes it over. */
const STALE_CLAIM_MS = 60_000;

/**
 * Two small documents per key, both only ever inserted on the hot path
 * (inserts are what FerretDB's SQLite backend does fastest; an update scans):
 * `<hash>:claim` says a request with this key is running, `<hash>:answer` holds its answer.
 */
interface ClaimDoc {
  _id: string;
  requestHash: string;
  createdAt: Date;
}

interface AnswerDoc extends ClaimDoc {
  status: number;
  /** The answer's JSON text, replayed byte for byte. */
  bodyJson: string;
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
 * No transaction: the first request claims the key with an insert (the
 * unique `_id` decides who is first), performs, then inserts its answer.
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
  const id = sha256(`${scope.userId}\u0000${scope.operation}\u0000${scope.key}`);
  const requestHash = sha256(canonicalJson(scope.request));
  const claims = ctx.db.collection<ClaimDoc>(IDEMPOTENCY_KEYS);

  const earlier = await waitForClaim(ctx, id, requestHash);
  if (earlier) return earlier;
  let reply: { status: number; body: unknown };
  try {
    reply = await perform();
  } catch (error) {
    await claims.deleteOne({ _id: `${id}:claim` }).catch(() => {});
    throw error;
  }
  const answer: AnswerDoc = { _id: `${id}:answer`, requestHash, status: reply.status, bodyJson: JSON.stringify(reply.body), createdAt: ctx.clock.now() };
  // Not awaited: the answer rides in the next batch of this collection (with other requests' claims), so a
  // click costs one write of its own here, not two in a row. Until it lands a retry waits for it (waitForClaim
  // polls). If the process dies first, the claim stays without an answer: a retry gets 409
  // `idempotency_request_in_progress` until the claim is stale, then performs again, which recording a
  // flattr allows (same flattr; 200 instead of the first 201). A duplicate means a retry took over a claim
  // it thought abandoned and stored its answer first: both answers describe the same flattr.
  insertGrouped(ctx, answer).catch((error: unknown) => ctx.log.warn(`idempotency answer not stored for ${answer._id}: ${String(error)}`));
  return { status: answer.status, body: JSON.parse(answer.bodyJson), replayed: false };
}

/** Returns the answer to replay, or null once this request holds the key's claim. */
async function waitForClaim(ctx: ServerContext, id: string, requestHash: string): Promise<StoredReply | null> {
  const claims = ctx.db.collection<ClaimDoc>(IDEMPOTENCY_KEYS);
  const answers = ctx.db.collection<AnswerDoc>(IDEMPOTENCY_KEYS);
  const waitUntil = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const now = ctx.clock.now();
    // Insert first: a new key (the common case) costs no read. The claim stays after success, so a repeat collides here.
    if (await insertGrouped(ctx, { _id: `${id}:claim`, requestHash, createdAt: now }) === 'inserted') return null;
    const answer = await answers.findOne({ _id: `${id}:answer` });
    if (answer && now.getTime() - answer.createdAt.getTime() <= IDEMPOTENCY_TTL_MS) return replay(answer, requestHash);
    if (answer) {
      // Expired: the key starts afresh (MongoDB's TTL index would have removed these already).
      await answers.deleteOne({ _id: answer._id });
      await claims.deleteOne({ _id: `${id}:claim` });
      continue;
    }
    const claim = await claims.findOne({ _id: `${id}:claim` });
    if (!claim) continue;
    if (claim.requestHash !== requestHash) throw reused();
    if (now.getTime() - claim.createdAt.getTime() > STALE_CLAIM_MS) {
      const { modifiedCount } = await claims.updateOne({ _id: claim._id, createdAt: claim.createdAt }, { $set: { createdAt: now } });
      if (modifiedCount === 1) return null;
      continue;
    }
    if (Date.now() > waitUntil) {
      throw new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly', 'idempotency_request_in_progress');
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Claims and answers of concurrent requests go to the database together, one
 * `insertMany` per flush (db/group-commit.ts): each is still told whether its
 * own document was inserted or its `_id` existed, which is all the protocol needs.
 */
function insertGrouped(ctx: ServerContext, doc: ClaimDoc | AnswerDoc): Promise<'inserted' | 'duplicate'> {
  return groupedInsertsInto<ClaimDoc>(ctx.db, IDEMPOTENCY_KEYS).submit(doc);
}

export async function ensureIdempotencyIndexes(db: Db): Promise<void> {
  try {
    await db.collection(IDEMPOTENCY_KEYS).createIndex({ createdAt: 1 }, { expireAfterSeconds: IDEMPOTENCY_TTL_MS / 1000 });
  } catch {
    // FerretDB 1.x has no TTL indexes: there an expired answer is replaced when its key is used again (waitForClaim).
    await db.collection(IDEMPOTENCY_KEYS).createIndex({ createdAt: 1 });
  }
}

function replay(answer: AnswerDoc, requestHash: string): StoredReply {
  if (answer.requestHash !== requestHash) throw reused();
  return { status: answer.status, body: JSON.parse(answer.bodyJson), replayed: true };
}

function reused(): ConflictError {
  return new ConflictError('This Idempotency-Key was already used for a different request', 'idempotency_key_reused');
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
