import type { Collection, ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { hashSecret, randomSecret } from './secrets.js';
import { ensureTtlIndex } from './ttl-index.js';

export const EMAIL_TOKENS = 'email_tokens';

/**
 * A link sent by email (verify the address, reset the password): the mail
 * holds the secret, the database only its sha256 (`_id`). It works once
 * (`usedAt`, set by the one guarded update that spends it) and until
 * `expiresAt`.
 */
export interface EmailTokenDoc {
  _id: string;
  kind: 'verify' | 'reset';
  userId: ObjectId;
  /** The address the link was sent to: a verification proves this address, not a later one. */
  email: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

const tokens = (ctx: Pick<ServerContext, 'db'>): Collection<EmailTokenDoc> => ctx.db.collection<EmailTokenDoc>(EMAIL_TOKENS);

/** A new single-use token; returns the secret for the link and its stored id (for the email's key). */
export async function createEmailToken(
  ctx: ServerContext,
  input: { kind: EmailTokenDoc['kind']; userId: ObjectId; email: string; ttlMs: number },
): Promise<{ secret: string; id: string }> {
  const secret = randomSecret(input.kind === 'verify' ? 'fev_' : 'fpr_');
  const now = ctx.clock.now();
  const id = hashSecret(secret);
  await tokens(ctx).insertOne({
    _id: id, kind: input.kind, userId: input.userId, email: input.email,
    createdAt: now, expiresAt: new Date(now.getTime() + input.ttlMs), usedAt: null,
  });
  return { secret, id };
}

/**
 * Spends a token: one conditional update that matches only an unused,
 * unexpired token of this kind, so of two simultaneous uses exactly one wins.
 * @returns the token as it was before (null: unknown, used, expired or of another kind).
 */
export async function spendEmailToken(ctx: ServerContext, secret: string, kind: EmailTokenDoc['kind']): Promise<EmailTokenDoc | null> {
  if (typeof secret !== 'string' || secret.length < 20 || secret.length > 200) return null;
  const now = ctx.clock.now();
  return tokens(ctx).findOneAndUpdate(
    { _id: hashSecret(secret), kind, usedAt: null, expiresAt: { $gt: now } },
    { $set: { usedAt: now } },
    // 'before': the stand-in's 'after' is not exact under concurrency (docs/database.md).
    { returnDocument: 'before' },
  );
}

/** Whether a token would be accepted now, without spending it (the reset form asks before showing itself). */
export async function peekEmailToken(ctx: ServerContext, secret: string, kind: EmailTokenDoc['kind']): Promise<EmailTokenDoc | null> {
  if (typeof secret !== 'string' || secret.length < 20 || secret.length > 200) return null;
  return tokens(ctx).findOne({ _id: hashSecret(secret), kind, usedAt: null, expiresAt: { $gt: ctx.clock.now() } });
}

/** Spends every open token of a kind for a user (a reset done, a new one asked for: older links stop working). */
export async function spendAllEmailTokens(ctx: ServerContext, userId: ObjectId, kind: EmailTokenDoc['kind']): Promise<void> {
  await tokens(ctx).updateMany({ userId, kind, usedAt: null }, { $set: { usedAt: ctx.clock.now() } });
}

/** When the last token of this kind was made for the user (a throttle against mail bombing). */
export async function lastEmailTokenAt(ctx: ServerContext, userId: ObjectId, kind: EmailTokenDoc['kind']): Promise<Date | null> {
  const [last] = await tokens(ctx).find({ userId, kind }, { projection: { createdAt: 1 } }).sort({ createdAt: -1 }).limit(1).toArray();
  return last?.createdAt ?? null;
}

export async function ensureEmailTokenIndexes(ctx: ServerContext): Promise<void> {
  await tokens(ctx).createIndex({ userId: 1, kind: 1, createdAt: -1 });
  // Spent and expired tokens are of no use after a week.
  await ensureTtlIndex(tokens(ctx), 'expiresAt', 7 * 86_400);
}
