import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { UnauthorizedError } from '../errors/index.js';
import type { Scope } from '../http/auth-context.js';
import { ensureTtlIndex } from './ttl-index.js';
import { hashSecret, randomSecret } from './secrets.js';

export const REFRESH_TOKENS = 'refresh_tokens';
export const REFRESH_FAMILIES = 'refresh_families';

/**
 * One login (or one OAuth grant) is a family; each refresh hands out the next
 * token of the family and spends the old one. The family document is checked
 * on every use, so revoking it stops every token of the family, including one
 * issued a moment before the revocation.
 */
export interface RefreshFamilyDoc {
  _id: ObjectId;
  userId: ObjectId;
  scopes: Scope[];
  /** The OAuth client the family was granted to; absent for first-party logins. */
  clientId?: string;
  createdAt: Date;
  revokedAt: Date | null;
  revokedReason?: 'logout' | 'reuse' | 'code_reuse' | 'password_reset';
}

export interface RefreshTokenDoc {
  _id: ObjectId;
  /** sha256 of the token; unique. */
  hash: string;
  familyId: ObjectId;
  createdAt: Date;
  expiresAt: Date;
  /** When it was exchanged; set by the one guarded update that spends it. A second exchange is a theft signal. */
  usedAt: Date | null;
}

export interface RefreshGrant {
  family: RefreshFamilyDoc;
  refreshToken: string;
}

function tokensOf(ctx: ServerContext): Collection<RefreshTokenDoc> {
  return ctx.db.collection<RefreshTokenDoc>(REFRESH_TOKENS);
}

function familiesOf(ctx: ServerContext): Collection<RefreshFamilyDoc> {
  return ctx.db.collection<RefreshFamilyDoc>(REFRESH_FAMILIES);
}

/** Starts a family (at login or OAuth code exchange) and hands out its first token. */
export async function startRefreshFamily(
  ctx: ServerContext,
  input: { userId: ObjectId; scopes: Scope[]; clientId?: string; familyId?: ObjectId },
): Promise<RefreshGrant> {
  const family: RefreshFamilyDoc = {
    _id: input.familyId ?? new ObjectId(),
    userId: input.userId,
    scopes: input.scopes,
    ...(input.clientId ? { clientId: input.clientId } : {}),
    createdAt: ctx.clock.now(),
    revokedAt: null,
  };
  await familiesOf(ctx).insertOne(family);
  return { family, refreshToken: await addToken(ctx, family._id) };
}

/**
 * Spends a refresh token and returns its successor. The spend is one guarded
 * update, `{_id, usedAt: null}` → `usedAt: now`: MongoDB applies it atomically,
 * so of any number of concurrent uses exactly one modifies the document.
 * Presenting a spent token revokes the whole family.
 * `clientId` must match the client the family was granted to (none for
 * first-party logins); a mismatch leaves the token unspent.
 */
export async function rotateRefreshToken(
  ctx: ServerContext,
  refreshToken: string,
  options: { clientId?: string } = {},
): Promise<RefreshGrant> {
  const now = ctx.clock.now();
  const known = await tokensOf(ctx).findOne({ hash: hashSecret(refreshToken) });
  // Read before the spend, and not again after it: a family can only be revoked for reuse by a
  // loser of the spend, which comes after the winner's spend, so the winner's answer never
  // depends on how fast the losers are. A revocation racing with a spend (logout) still stops
  // the new token, because every use reads the family.
  const family = known && await familiesOf(ctx).findOne({ _id: known.familyId });
  if (!known || !family) throw new UnauthorizedError('Unknown refresh token', 'invalid_refresh_token');
  if ((family.clientId ?? undefined) !== options.clientId) {
    throw new UnauthorizedError('This refresh token was issued to another client', 'invalid_refresh_token');
  }
  if (known.expiresAt <= now) throw new UnauthorizedError('The refresh token has expired', 'invalid_refresh_token');
  if (family.revokedAt) throw new UnauthorizedError('The refresh token was revoked', 'invalid_refresh_token');
  const spent = await tokensOf(ctx).updateOne({ _id: known._id, usedAt: null }, { $set: { usedAt: now } });
  if (spent.modifiedCount !== 1) {
    await revokeRefreshFamily(ctx, known.familyId, 'reuse');
    throw new UnauthorizedError('This refresh token was already used; its family is revoked, log in again', 'refresh_token_reused');
  }
  return { family, refreshToken: await addToken(ctx, family._id) };
}

/** The family of a presented (unspent or spent) refresh token, for logout. */
export async function findRefreshFamily(ctx: ServerContext, refreshToken: string): Promise<RefreshFamilyDoc | null> {
  const token = await tokensOf(ctx).findOne({ hash: hashSecret(refreshToken) });
  return token ? familiesOf(ctx).findOne({ _id: token.familyId }) : null;
}

export async function revokeRefreshFamily(ctx: ServerContext, familyId: ObjectId, reason: RefreshFamilyDoc['revokedReason']): Promise<void> {
  await familiesOf(ctx).updateOne({ _id: familyId, revokedAt: null }, { $set: { revokedAt: ctx.clock.now(), revokedReason: reason } });
}

export async function ensureRefreshIndexes(ctx: ServerContext): Promise<void> {
  await tokensOf(ctx).createIndex({ hash: 1 }, { unique: true });
  await tokensOf(ctx).createIndex({ familyId: 1 });
  // MongoDB deletes an expired token within about a minute; the stand-in ignores TTL, purgeExpiredCredentials covers it.
  await ensureTtlIndex(tokensOf(ctx), 'expiresAt', 0);
}

async function addToken(ctx: ServerContext, familyId: ObjectId): Promise<string> {
  const token = randomSecret('frt_');
  const now = ctx.clock.now();
  await tokensOf(ctx).insertOne({
    _id: new ObjectId(),
    hash: hashSecret(token),
    familyId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.config.jwt.refreshTokenTtlDays * 86_400_000),
    usedAt: null,
  });
  return token;
}
