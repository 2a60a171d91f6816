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

export function limiterSpecs(ctx: ServerContext): Record<keyof RateLimiters, LimiterSpec> {
  const limits = ctx.config.rateLimits;
  const day = 86_400;
  return {
    ip: { collection: 'rate_limit_ip', points: limits.perIp, durationSeconds: limits.windowSeconds },
    account: { collection: 'rate_limit_account', points: limits.perAccount, durationSeconds: limits.windowSeconds },
    token: { collection: 'rate_limit_token', points: limits.perToken, durationSeconds: limits.windowSeconds },
    // A counter, not a quota: the consecutive failures are forgotten a day after the first.
    loginFailures: { collection: 'rate_limit_login_failures', points: Number.MAX_SAFE_INTEGER, durationSeconds: day },
    loginDelay: { collection: 'rate_limit_login_delay', points: 1, durationSeconds: 1 },
    loginIp: { collection: 'rate_limit_login_ip', points: limits.login.ipFailures, durationSeconds: limits.login.windowSeconds },
    loginAccount: { collection: 'rate_limit_login_account', points: limits.login.accountFailures, durationSeconds: limits.login.windowSeconds },
    loginKnown: { collection: 'rate_limit_login_known', points: 1, durationSeconds: limits.login.knownClientDays * day },
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
