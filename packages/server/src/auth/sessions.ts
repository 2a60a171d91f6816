import type { Request, Response } from 'express';
import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import type { UserDoc } from '../db/index.js';
import { findUser } from '../accounts/users.js';
import { limitAccount } from '../rate-limits/index.js';
import { clearFirstPartyCookie, readFirstPartyCookie, setFirstPartyCookie } from './cookies.js';
import { hashSecret, randomSecret } from './secrets.js';
import { ensureTtlIndex } from './ttl-index.js';

export const SESSION_COOKIE = 'flattr_session';
export const SESSIONS = 'sessions';

/**
 * A reader logged in on the service's own pages (account, OAuth consent, the
 * widget's confirm window). The cookie holds an opaque secret; the database
 * holds its hash. Only HTML pages read it: the JSON API is Bearer-only.
 */
export interface SessionDoc {
  _id: ObjectId;
  hash: string;
  userId: ObjectId;
  /** The synchronizer token every POST form of this session must echo. */
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface Session {
  id: string;
  userId: string;
  user: UserDoc;
  csrfToken: string;
}

const sessionOfRequest = new WeakMap<Request, Promise<Session | null>>();

function collection(ctx: ServerContext): Collection<SessionDoc> {
  return ctx.db.collection<SessionDoc>(SESSIONS);
}

/** Sessions last as long as refresh tokens (REFRESH_TOKEN_TTL_DAYS). */
function sessionTtlMs(ctx: ServerContext): number {
  return ctx.config.jwt.refreshTokenTtlDays * 86_400_000;
}

/** Logs `userId` in on this browser: a new session (a fresh id after login prevents session fixation). */
export async function startSession(ctx: ServerContext, req: Request, res: Response, userId: ObjectId): Promise<Session> {
  await endSession(ctx, req, res);
  const secret = randomSecret();
  const now = ctx.clock.now();
  const doc: SessionDoc = {
    _id: new ObjectId(),
    hash: hashSecret(secret),
    userId,
    csrfToken: randomSecret(),
    createdAt: now,
    expiresAt: new Date(now.getTime() + sessionTtlMs(ctx)),
  };
  await collection(ctx).insertOne(doc);
  setFirstPartyCookie(ctx, res, SESSION_COOKIE, secret, sessionTtlMs(ctx));
  const user = (await findUser(ctx, userId))!;
  const session: Session = { id: doc._id.toHexString(), userId: userId.toHexString(), user, csrfToken: doc.csrfToken };
  sessionOfRequest.set(req, Promise.resolve(session));
  return session;
}

/**
 * The logged-in reader of this request, or null (no cookie, unknown, expired,
 * or the user is gone). Cached per request. A request with a session counts
 * once against its account's rate limit, like the account's API requests
 * (429 `rate_limited` past it): docs/security.md, "Rate limits".
 */
export function sessionFromRequest(ctx: ServerContext, req: Request): Promise<Session | null> {
  let session = sessionOfRequest.get(req);
  if (!session) sessionOfRequest.set(req, (session = loadSession(ctx, req)));
  return session;
}

/**
 * The session, or a redirect to the login page that comes back to this URL
 * afterwards. Returns undefined when it redirected: the caller just returns.
 */
export async function requireSession(ctx: ServerContext, req: Request, res: Response): Promise<Session | undefined> {
  const session = await sessionFromRequest(ctx, req);
  if (session) return session;
  res.redirect(303, `/account/login?${new URLSearchParams({ next: req.originalUrl })}`);
  return undefined;
}

/** Logs out this browser: deletes the session and clears the cookie. */
export async function endSession(ctx: ServerContext, req: Request, res: Response): Promise<void> {
  const secret = readFirstPartyCookie(ctx, req, SESSION_COOKIE);
  if (secret) await collection(ctx).deleteOne({ hash: hashSecret(secret) });
  clearFirstPartyCookie(ctx, res, SESSION_COOKIE);
  sessionOfRequest.set(req, Promise.resolve(null));
}

export async function ensureSessionIndexes(ctx: ServerContext): Promise<void> {
  await collection(ctx).createIndex({ hash: 1 }, { unique: true });
  await collection(ctx).createIndex({ userId: 1 });
  await ensureTtlIndex(collection(ctx), 'expiresAt', 0);
}

async function loadSession(ctx: ServerContext, req: Request): Promise<Session | null> {
  const secret = readFirstPartyCookie(ctx, req, SESSION_COOKIE);
  if (!secret) return null;
  const doc = await collection(ctx).findOne({ hash: hashSecret(secret) });
  if (!doc || doc.expiresAt <= ctx.clock.now()) return null;
  const user = await findUser(ctx, doc.userId);
  if (!user) return null;
  await limitAccount(ctx, req, doc.userId.toHexString());
  return { id: doc._id.toHexString(), userId: doc.userId.toHexString(), user, csrfToken: doc.csrfToken };
}
