import type { ServerContext } from '../context.js';
import { createLimiter, type Limiter, type LimiterSpec } from './limiter.js';

/** Every limiter of one server, built from its configuration (docs/security.md, "Rate limits"). */
export interface RateLimiters {
  /** Every request, per client IP (API and pages). */
  ip: Limiter;
  /** Authenticated API requests, per account and per credential (access token, PAT, site token). */
  account: Limiter;
  token: Limiter;
  /** Consecutive failed logins of one account from one IP (reset by a success from there). */
  loginFailures: Limiter;
  /** The wait those failures impose (a block of growing length). */
  loginDelay: Limiter;
  /** Failed logins from one IP, any accounts (credential stuffing). */
  loginIp: Limiter;
  /** Failed logins of one account from any IP (a distributed guess); known clients are exempt. */
  loginAccount: Limiter;
  /** Account+IP pairs that logged in successfully: "known clients". */
  loginKnown: Limiter;
}

/**
 * The collections the limiters count in (rate-limiter-flexible's MongoDB store). Every request writes
 * to at least `rate_limit_ip`, refused or not: tests that prove "a refused request writes nothing"
 * leave these out, by this list.
 */
export const RATE_LIMIT_COLLECTIONS: Readonly<Record<keyof RateLimiters, string>> = {
  ip: 'rate_limit_ip',
  account: 'rate_limit_account',
  token: 'rate_limit_token',
  loginFailures: 'rate_limit_login_failures',
  loginDelay: 'rate_limit_login_delay',
  loginIp: 'rate_limit_login_ip',
  loginAccount: 'rate_limit_login_account',
  loginKnown: 'rate_limit_login_known',
};

export function limiterSpecs(ctx: ServerContext): Record<keyof RateLimiters, LimiterSpec> {
  const limits = ctx.config.rateLimits;
  const day = 86_400;
  const collection = RATE_LIMIT_COLLECTIONS;
  return {
    ip: { collection: collection.ip, points: limits.perIp, durationSeconds: limits.windowSeconds },
    account: { collection: collection.account, points: limits.perAccount, durationSeconds: limits.windowSeconds },
    token: { collection: collection.token, points: limits.perToken, durationSeconds: limits.windowSeconds },
    // A counter, not a quota: the consecutive failures are forgotten a day after the first.
    loginFailures: { collection: collection.loginFailures, points: Number.MAX_SAFE_INTEGER, durationSeconds: day },
    loginDelay: { collection: collection.loginDelay, points: 1, durationSeconds: 1 },
    loginIp: { collection: collection.loginIp, points: limits.login.ipFailures, durationSeconds: limits.login.windowSeconds },
    loginAccount: { collection: collection.loginAccount, points: limits.login.accountFailures, durationSeconds: limits.login.windowSeconds },
    loginKnown: { collection: collection.loginKnown, points: 1, durationSeconds: limits.login.knownClientDays * day },
  };
}

/** One set per server (several servers share a process in tests), built on first use. */
const limitersByContext = new WeakMap<ServerContext, RateLimiters>();

export function rateLimiters(ctx: ServerContext): RateLimiters {
  let limiters = limitersByContext.get(ctx);
  if (!limiters) {
    const specs = limiterSpecs(ctx);
    const timeout = ctx.config.rateLimits.storeTimeoutMs;
    limiters = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, createLimiter(ctx, spec, timeout)])) as unknown as RateLimiters;
    limitersByContext.set(ctx, limiters);
  }
  return limiters;
}
