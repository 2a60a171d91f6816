import type { ServerContext, ServerModule } from '../context.js';
import { ensureLimiterIndexes, purgeExpiredCounters } from './limiter.js';
import { limiterSpecs } from './limiters.js';
import { limitRequestsByIp } from './request-limits.js';

/** How often a running server deletes ended counters (the local stand-in ignores TTL indexes). */
const PURGE_INTERVAL_MS = 600_000;
const purges = new WeakMap<ServerContext, NodeJS.Timeout>();

/**
 * Rate limits shared by every instance through MongoDB (docs/security.md,
 * "Rate limits"). Its `guard` counts every request per IP before anything
 * reads it (a malformed body or a refused site token counts too); the auth
 * module counts accounts and credentials (`limitCredential`) and password
 * logins (`throttleLogin`).
 */
export const rateLimitsModule: ServerModule = {
  name: 'rate-limits',
  ensureIndexes: async (ctx) => {
    // One collection each: concurrently, so a start (and every CLI command) waits for the slowest only.
    await Promise.all(Object.values(limiterSpecs(ctx)).map((spec) => ensureLimiterIndexes(ctx, spec)));
  },
  guard: (ctx) => limitRequestsByIp(ctx),
  start: (ctx) => {
    const purge = () => {
      for (const spec of Object.values(limiterSpecs(ctx))) {
        purgeExpiredCounters(ctx, spec).catch((error) => ctx.log.warn(`purging rate-limit counters failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    };
    const timer = setInterval(purge, PURGE_INTERVAL_MS);
    timer.unref();
    purges.set(ctx, timer);
  },
  close: async (ctx) => {
    clearInterval(purges.get(ctx));
    purges.delete(ctx);
  },
};
