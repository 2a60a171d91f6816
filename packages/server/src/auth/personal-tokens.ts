import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { ForbiddenError, NotFoundError } from '../errors/index.js';
import type { Role, Scope } from '../http/auth-context.js';
import { scopesForRoles, toObjectId } from '../accounts/users.js';
import { hashSecret, randomSecret } from './secrets.js';

export const PERSONAL_TOKENS = 'personal_tokens';
export const PAT_PREFIX = 'fpat_';

/** A personal access token for scripts, servers and CMS plugins; shown once, stored hashed. */
export interface PersonalTokenDoc {
  _id: ObjectId;
  userId: ObjectId;
  name: string;
  scopes: Scope[];
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The `Pat` object of the API; `token` only in the answer that creates it. */
export interface PatJson {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  token?: string;
}

/** `lastUsedAt` is written at most this often per token: a busy script should not turn every read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

function collection(ctx: ServerContext): Collection<PersonalTokenDoc> {
  return ctx.db.collection<PersonalTokenDoc>(PERSONAL_TOKENS);
}

export function toPatJson(doc: PersonalTokenDoc, token?: string): PatJson {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    scopes: doc.scopes,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: doc.lastUsedAt?.toISOString() ?? null,
    ...(token ? { token } : {}),
  };
}

/**
 * Creates a token with `scopes`, which must be a subset of what the creating
 * credential holds (`admin` thus only for admins).
 */
export async function createPersonalToken(
  ctx: ServerContext,
  input: { userId: string; roles: Role[]; grantable: Scope[]; name: string; scopes: Scope[] },
): Promise<{ doc: PersonalTokenDoc; token: string }> {
  const allowed = new Set(scopesForRoles(input.roles).filter((s) => input.grantable.includes(s)));
  const refused = input.scopes.filter((s) => !allowed.has(s));
  if (refused.length) {
    throw new ForbiddenError(`You may not grant the scope(s) ${refused.join(', ')}`, refused.includes('admin') ? 'insufficient_role' : 'insufficient_scope');
  }
  const token = randomSecret(PAT_PREFIX);
  const doc: PersonalTokenDoc = {
    _id: new ObjectId(),
    userId: new ObjectId(input.userId),
    name: input.name,
    scopes: [...new Set(input.scopes)],
    hash: hashSecret(token),
    createdAt: ctx.clock.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await collection(ctx).insertOne(doc);
  return { doc, token };
}

export async function listPersonalTokens(ctx: ServerContext, userId: string): Promise<PersonalTokenDoc[]> {
  return collection(ctx).find({ userId: new ObjectId(userId), revokedAt: null }).sort({ createdAt: -1 }).toArray();
}

export async function revokePersonalToken(ctx: ServerContext, userId: string, tokenId: string): Promise<void> {
  const id = toObjectId(tokenId);
  const result = id && await collection(ctx).updateOne(
    { _id: id, userId: new ObjectId(userId), revokedAt: null },
    { $set: { revokedAt: ctx.clock.now() } },
  );
  if (!result || result.matchedCount === 0) throw new NotFoundError('No such token', 'token_not_found');
}

/** The live token with this secret, or null; records the use. */
export async function usePersonalToken(ctx: ServerContext, token: string): Promise<PersonalTokenDoc | null> {
  const doc = await collection(ctx).findOne({ hash: hashSecret(token), revokedAt: null });
  if (!doc) return null;
  const now = ctx.clock.now();
  if (!doc.lastUsedAt || now.getTime() - doc.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await collection(ctx).updateOne({ _id: doc._id }, { $set: { lastUsedAt: now } });
  }
  return doc;
}

export async function ensurePersonalTokenIndexes(ctx: ServerContext): Promise<void> {
  await collection(ctx).createIndex({ hash: 1 }, { unique: true });
  await collection(ctx).createIndex({ userId: 1, createdAt: -1 });
}
