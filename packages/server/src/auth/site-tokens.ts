import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { SiteGrant } from '../http/auth-context.js';
import { periodOf } from '../money/period.js';
import { toObjectId } from '../accounts/users.js';
import { hashSecret, randomSecret } from './secrets.js';
import { checkMonthlyCap, DEFAULT_SITE_MONTHLY_CAP, siteClicksIn } from './site-token-cap.js';

export const SITE_TOKENS = 'site_tokens';
export const SITE_TOKEN_PREFIX = 'fsite_';

/**
 * "One click on this site": a token that can only record new flattrs of
 * things on one origin, from pages of that origin (checked against the
 * request's `Origin` header), up to a monthly number the reader chose;
 * revocable by the reader. Issued by the confirm window on the service's own
 * origin. docs/auth.md, "Site tokens".
 */
export interface SiteTokenDoc {
  _id: ObjectId;
  userId: ObjectId;
  /** Serialized origin, e.g. `https://blog.example`. */
  origin: string;
  hash: string;
  /** New flattrs a month this site may make with the token (site-token-cap.ts); tokens from before the cap have the default. */
  monthlyCap?: number;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface SiteTokenJson {
  id: string;
  origin: string;
  /** New flattrs a month the site may make without asking. */
  monthlyCap: number;
  /** New flattrs it made this month (`period`). */
  usedThisMonth: number;
  period: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

function collection(ctx: ServerContext): Collection<SiteTokenDoc> {
  return ctx.db.collection<SiteTokenDoc>(SITE_TOKENS);
}

export function toSiteTokenJson(doc: SiteTokenDoc, use: { period: string; used: number }): SiteTokenJson {
  return {
    id: doc._id.toHexString(),
    origin: doc.origin,
    monthlyCap: capOf(doc),
    usedThisMonth: use.used,
    period: use.period,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: doc.lastUsedAt?.toISOString() ?? null,
  };
}

export function capOf(doc: Pick<SiteTokenDoc, 'monthlyCap'>): number {
  return doc.monthlyCap ?? DEFAULT_SITE_MONTHLY_CAP;
}

/** What the token lets its site do (carried by the request's AuthContext). */
export function grantOf(doc: SiteTokenDoc): SiteGrant {
  return { origin: doc.origin, monthlyCap: capOf(doc) };
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
 * per origin: issuing again revokes the previous one and keeps its monthly
 * cap (and the month's count, which belongs to the origin: site-token-cap.ts).
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
  const previous = await collection(ctx).findOne({ userId: owner, origin: normalized, revokedAt: null }, { projection: { monthlyCap: 1 } });
  const doc: SiteTokenDoc = {
    _id: new ObjectId(),
    userId: owner,
    origin: normalized,
    hash: hashSecret(token),
    monthlyCap: previous ? capOf(previous) : DEFAULT_SITE_MONTHLY_CAP,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  await collection(ctx).insertOne(doc);
  await collection(ctx).updateMany(
    { userId: owner, origin: normalized, revokedAt: null, _id: { $ne: doc._id } },
    { $set: { revokedAt: now } },
  );
  const [siteToken] = await withUse(ctx, userId.toString(), [doc]);
  return { token, siteToken: siteToken! };
}

/** The monthly cap a token for this reader and origin would have: the live token's, else the default. */
export async function monthlyCapFor(ctx: ServerContext, userId: string, origin: string): Promise<number> {
  const live = await collection(ctx).findOne(
    { userId: new ObjectId(userId), origin: normalizeOrigin(origin), revokedAt: null }, { projection: { monthlyCap: 1 } },
  );
  return live ? capOf(live) : DEFAULT_SITE_MONTHLY_CAP;
}

/** The reader's live site tokens, newest first, each with its cap and this month's use. */
export async function listSiteTokens(ctx: ServerContext, userId: string): Promise<SiteTokenJson[]> {
  const docs = await collection(ctx).find({ userId: new ObjectId(userId), revokedAt: null }).sort({ createdAt: -1 }).toArray();
  return withUse(ctx, userId, docs);
}

/**
 * The reader sets how many new flattrs a month this site may make for them
 * (1 to MAX_SITE_MONTHLY_CAP). Lowering it below this month's use stops the
 * site's one-click flattrs for the rest of the month.
 */
export async function setSiteTokenCap(ctx: ServerContext, userId: string, tokenId: string, monthlyCap: unknown): Promise<SiteTokenJson> {
  const cap = checkMonthlyCap(monthlyCap);
  const id = toObjectId(tokenId);
  const doc = id && await collection(ctx).findOneAndUpdate(
    { _id: id, userId: new ObjectId(userId), revokedAt: null },
    { $set: { monthlyCap: cap } },
    { returnDocument: 'before' },
  );
  if (!doc) throw new NotFoundError('No such site token', 'token_not_found');
  const [json] = await withUse(ctx, userId, [{ ...doc, monthlyCap: cap }]);
  return json!;
}

async function withUse(ctx: ServerContext, userId: string, docs: SiteTokenDoc[]): Promise<SiteTokenJson[]> {
  const period = periodOf(ctx.clock.now());
  const used = await siteClicksIn(ctx, userId, docs.map((d) => d.origin), period);
  return docs.map((doc) => toSiteTokenJson(doc, { period, used: used.get(doc.origin) ?? 0 }));
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
