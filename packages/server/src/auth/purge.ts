import type { ServerContext } from '../context.js';
import { CODE_RETENTION_MS, OAUTH_CODES } from './oauth/codes.js';
import { REFRESH_TOKENS } from './refresh-tokens.js';
import { SESSIONS } from './sessions.js';

/** How often a running server purges (a TTL index would do it, but the local stand-in ignores TTL). */
export const PURGE_INTERVAL_MS = 3_600_000;

/**
 * Deletes sessions, refresh tokens and authorization codes that can no longer
 * be used. On MongoDB their TTL indexes do this already (within about a
 * minute); mongo-java-server, the local stand-in, accepts TTL indexes and
 * ignores them, so the auth module also runs this at start and every
 * PURGE_INTERVAL_MS. Safe to run anywhere, any time, by any number of instances.
 */
export async function purgeExpiredCredentials(ctx: ServerContext): Promise<{ sessions: number; refreshTokens: number; codes: number }> {
  const now = ctx.clock.now();
  const sessions = await ctx.db.collection(SESSIONS).deleteMany({ expiresAt: { $lt: now } });
  const refreshTokens = await ctx.db.collection(REFRESH_TOKENS).deleteMany({ expiresAt: { $lt: now } });
  const codes = await ctx.db.collection(OAUTH_CODES).deleteMany({ expiresAt: { $lt: new Date(now.getTime() - CODE_RETENTION_MS) } });
  return { sessions: sessions.deletedCount, refreshTokens: refreshTokens.deletedCount, codes: codes.deletedCount };
}

/** One schedule per running server (several servers share a process in tests). */
const schedules = new WeakMap<ServerContext, { timer: NodeJS.Timeout; running: Promise<void> }>();

/** Purges now and then every PURGE_INTERVAL_MS until stopPurging; failures are logged and retried next time. */
export function startPurging(ctx: ServerContext, intervalMs = PURGE_INTERVAL_MS): void {
  if (schedules.has(ctx)) return;
  const purge = (): void => {
    const schedule = schedules.get(ctx);
    if (!schedule) return;
    schedule.running = schedule.running.then(() => purgeExpiredCredentials(ctx)).then(
      () => {},
      (error) => ctx.log.warn(`purging expired credentials failed (retried in ${intervalMs / 1000} s): ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  const timer = setInterval(purge, intervalMs);
  timer.unref();
  schedules.set(ctx, { timer, running: Promise.resolve() });
  purge();
}

/** Stops the schedule and waits for a purge in flight, so it never runs against a closed client. */
export async function stopPurging(ctx: ServerContext): Promise<void> {
  const schedule = schedules.get(ctx);
  if (!schedule) return;
  schedules.delete(ctx);
  clearInterval(schedule.timer);
  await schedule.running;
}
