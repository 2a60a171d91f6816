import { createHash } from 'node:crypto';
import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../../context.js';
import type { Scope } from '../../http/auth-context.js';
import { revokeRefreshFamily } from '../refresh-tokens.js';
import { hashSecret, randomSecret, safeEqual } from '../secrets.js';
import { ensureTtlIndex } from '../ttl-index.js';

export const OAUTH_CODES = 'oauth_codes';
/** RFC 6749 §4.1.2 recommends at most 10 minutes; a minute is plenty for a redirect and one POST. */
export const CODE_TTL_MS = 60_000;
/** Codes are kept a day past expiry so a late replay is still recognised (and revokes its tokens). */
export const CODE_RETENTION_MS = 86_400_000;

export interface AuthorizationCodeDoc {
  /** sha256 of the code. */
  _id: string;
  clientId: string;
  userId: ObjectId;
  redirectUri: string;
  /** PKCE S256 challenge: base64url(sha256(code_verifier)). */
  codeChallenge: string;
  scopes: Scope[];
  /** The refresh-token family the exchange will start: revoked if the code is replayed. */
  familyId: ObjectId;
  createdAt: Date;
  expiresAt: Date;
  /** When it was exchanged; set by the one guarded update that spends it (absent or null before). */
  usedAt?: Date | null;
  /** Set when a spent code is presented again. */
  replayedAt?: Date;
}

export class InvalidGrant extends Error {}

function collection(ctx: ServerContext): Collection<AuthorizationCodeDoc> {
  return ctx.db.collection<AuthorizationCodeDoc>(OAUTH_CODES);
}

export async function createAuthorizationCode(
  ctx: ServerContext,
  input: { clientId: string; userId: ObjectId; redirectUri: string; codeChallenge: string; scopes: Scope[] },
): Promise<string> {
  const code = randomSecret();
  const now = ctx.clock.now();
  await collection(ctx).insertOne({
    _id: hashSecret(code),
    ...input,
    familyId: new ObjectId(),
    createdAt: now,
    expiresAt: new Date(now.getTime() + CODE_TTL_MS),
  });
  return code;
}

/**
 * Checks everything about a presented code first and spends it last, so a
 * request with a wrong verifier or redirect URI cannot burn the legitimate
 * client's code. A second exchange of a spent code fails and revokes the
 * refresh tokens the first exchange produced (RFC 6749 §4.1.2).
 */
export async function redeemAuthorizationCode(
  ctx: ServerContext,
  input: { code: string; clientId: string; redirectUri: string | undefined; codeVerifier: string | undefined },
): Promise<AuthorizationCodeDoc> {
  const doc = await collection(ctx).findOne({ _id: hashSecret(input.code) });
  if (!doc) throw new InvalidGrant('Unknown authorization code');
  if (doc.clientId !== input.clientId) throw new InvalidGrant('The code was issued to another client');
  if (input.redirectUri !== doc.redirectUri) throw new InvalidGrant('redirect_uri differs from the one the code was issued for');
  if (!input.codeVerifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(input.codeVerifier)) {
    throw new InvalidGrant('code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
  }
  const challenge = createHash('sha256').update(input.codeVerifier).digest('base64url');
  if (!safeEqual(challenge, doc.codeChallenge)) throw new InvalidGrant('code_verifier does not match the code_challenge');
  if (doc.expiresAt <= ctx.clock.now()) throw new InvalidGrant('The authorization code has expired');
  // One guarded update: of concurrent exchanges exactly one modifies the code.
  const spent = await collection(ctx).updateOne({ _id: doc._id, usedAt: null }, { $set: { usedAt: ctx.clock.now() } });
  if (spent.modifiedCount !== 1) {
    // The first exchange may not have created its family yet (then this revoke finds nothing):
    // the mark makes it revoke its own family once created (revokeIfCodeReplayed).
    await collection(ctx).updateOne({ _id: doc._id }, { $set: { replayedAt: ctx.clock.now() } });
    await revokeRefreshFamily(ctx, doc.familyId, 'code_reuse');
    throw new InvalidGrant('The authorization code was already used; tokens issued for it are revoked');
  }
  return doc;
}

/**
 * Called by the exchange that spent the code, after it created the code's
 * refresh family: a replay that came in meanwhile found no family to revoke,
 * so the family is revoked here. Either the replay's mark is seen here, or the
 * family existed when the replay revoked it.
 */
export async function revokeIfCodeReplayed(ctx: ServerContext, grant: AuthorizationCodeDoc): Promise<void> {
  const current = await collection(ctx).findOne({ _id: grant._id }, { projection: { replayedAt: 1 } });
  if (current?.replayedAt) await revokeRefreshFamily(ctx, grant.familyId, 'code_reuse');
}

export async function ensureCodeIndexes(ctx: ServerContext): Promise<void> {
  await ensureTtlIndex(collection(ctx), 'expiresAt', CODE_RETENTION_MS / 1000);
}
