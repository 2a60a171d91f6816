import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { toObjectId } from '../accounts/users.js';
import { hashSecret, randomSecret } from './secrets.js';

export const SITE_TOKENS = 'site_tokens';
export const SITE_TOKEN_PREFIX = 'fsite_';

/**
 * "One click on this site": a token that can only flattr, only from pages of
 * one origin (checked against the request's `Origin` header), revocable by
 * the reader. Issued by the confirm window on the service's own origin.
 */
export interface SiteTokenDoc {
  _id: ObjectId;
  userId: ObjectId;
  /** Serialized origin, e.g. `https://blog.example`. */
  origin: string;
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface SiteTokenJson {
  id: string;
  origin: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

function collection(ctx: ServerContext): Collection<SiteTokenDoc> {
  return ctx.db.collection<SiteTokenDoc>(SITE_TOKENS);
}

export function toSiteTokenJson(doc: SiteTokenDoc): SiteTokenJson {
  return {
    id: doc._id.toHexString(),
    origin: doc.origin,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: doc.lastUsedAt?.toISOString() ?? null,
  };
}

/** `https://Blog.Example:443/x` → `https://blog.example`; refuses anything that is not an http(s) origin. */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ValidationError(`"${origin}" is not an origin`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError('A site origin must be http or https');
  return url.origin;
}

/**
 * Issues a site token for `origin` (the confirm window calls this when the
 * reader ticks "one click on this site"). A reader has at most one live token
 * per origin: issuing again revokes the previous one.
 * @returns the token (shown once to the opener page) and its record.
 */
export async function issueSiteToken(
  ctx: ServerContext,
  userId: string | ObjectId,
  origin: string,
): Promise<{ token: string; siteToken: SiteTokenJson }> {
  const owner = typeof userId === 'string' ? toObjectId(userId) : userId;
  if (!owner) throw new ValidationError('Malformed user id');
  const normalized = normalizeOrigin(origin);
  const now = ctx.clock.now();
  const token = randomSecret(SITE_TOKEN_PREFIX);
  const doc: SiteTokenDoc = {
    _id: new ObjectId(), userId: owner, origin: normalized, hash: hashSecret(token), createdAt: now, lastUsedAt: null, revokedAt: null,
  };
  await collection(ctx).insertOne(doc);
  await collection(ctx).updateMany(
    { userId: owner, origin: normalized, revokedAt: null, _id: { $ne: doc._id } },
    { $set: { revokedAt: now } },
  );
  return { token, siteToken: toSiteTokenJson(doc) };
}

export async function listSiteTokens(ctx: ServerContext, userId: string): Promise<SiteTokenDoc[]> {
  return collection(ctx).find({ userId: new ObjectId(userId), revokedAt: null }).sort({ createdAt: -1 }).toArray();
}

export async function revokeSiteToken(ctx: ServerContext, userId: string, tokenId: string): Promise<void> {
  const id = toObjectId(tokenId);
  const result = id && await collection(ctx).updateOne(
    { _id: id, userId: new ObjectId(userId), revokedAt: null },
    { $set: { revokedAt: ctx.clock.now() } },
  );
  if (!result || result.matchedCount === 0) throw new NotFoundError('No such site token', 'token_not_found');
}

/** The live token with this secret, or null. */
export async function findSiteToken(ctx: ServerContext, token: string): Promise<SiteTokenDoc | null> {
  return collection(ctx).findOne({ hash: hashSecret(token), revokedAt: null });
}

/** Records a use (after the origin check passed); written at most once a minute per token. */
export async function recordSiteTokenUse(ctx: ServerContext, doc: SiteTokenDoc): Promise<void> {
  const now = ctx.clock.now();
  if (!doc.lastUsedAt || now.getTime() - doc.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await collection(ctx).updateOne({ _id: doc._id }, { $set: { lastUsedAt: now } });
  }
}

export async function ensureSiteTokenIndexes(ctx: ServerContext): Promise<void> {
  await collection(ctx).createIndex({ hash: 1 }, { unique: true });
  await collection(ctx).createIndex({ userId: 1, origin: 1 });
}
