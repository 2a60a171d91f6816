import type { ServerContext } from '../context.js';
import { OAUTH_CODES } from './oauth/codes.js';
import { REFRESH_TOKENS } from './refresh-tokens.js';
import { SESSIONS } from './sessions.js';
import { SPENT_SECRETS } from './spend-once.js';

/** Codes are kept a day past expiry so a late replay is still recognised (and revokes its tokens). */
const CODE_RETENTION_MS = 86_400_000;

/**
 * Deletes sessions, refresh tokens and authorization codes that can no longer
 * be used, with their spent markers. MongoDB could do this with TTL indexes,
 * but FerretDB 1.24 refuses `expireAfterSeconds`; the auth module runs this at
 * start, and an operator may run it from a scheduled job. Safe to run anywhere, any time.
 */
export async function purgeExpiredCredentials(ctx: ServerContext): Promise<{ sessions: number; refreshTokens: number; codes: number }> {
  const now = ctx.clock.now();
  const sessions = await ctx.db.collection(SESSIONS).deleteMany({ expiresAt: { $lt: now } });
  const expiredTokens = await ctx.db.collection(REFRESH_TOKENS).find({ expiresAt: { $lt: now } }, { projection: { _id: 1 } }).toArray();
  if (expiredTokens.length) {
    await ctx.db.collection(SPENT_SECRETS).deleteMany({ _id: { $in: expiredTokens.map((t) => `refresh:${t._id.toHexString()}`) } as never });
    await ctx.db.collection(REFRESH_TOKENS).deleteMany({ _id: { $in: expiredTokens.map((t) => t._id) } });
  }
  const codeCutoff = new Date(now.getTime() - CODE_RETENTION_MS);
  const expiredCodes = await ctx.db.collection<{ _id: string }>(OAUTH_CODES).find({ expiresAt: { $lt: codeCutoff } }, { projection: { _id: 1 } }).toArray();
  if (expiredCodes.length) {
    await ctx.db.collection(SPENT_SECRETS).deleteMany({ _id: { $in: expiredCodes.map((c) => `code:${c._id}`) } as never });
    await ctx.db.collection<{ _id: string }>(OAUTH_CODES).deleteMany({ _id: { $in: expiredCodes.map((c) => c._id) } });
  }
  return { sessions: sessions.deletedCount, refreshTokens: expiredTokens.length, codes: expiredCodes.length };
}
