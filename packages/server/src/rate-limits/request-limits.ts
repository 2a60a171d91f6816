import type { Request, RequestHandler, Response } from 'express';
import type { ServerContext } from '../context.js';
import { RateLimitedError } from '../errors/index.js';
import type { AuthContext } from '../http/auth-context.js';
import { clientAddress } from './client-address.js';
import { appendRateLimitHeaders, type PolicyState } from './headers.js';
import { RateLimiterRes, secondsUntilReset, type Limiter } from './limiter.js';
import { rateLimiters } from './limiters.js';

/** Paths never counted: load balancers' health checks. */
const EXEMPT = new Set(['/healthz']);

/**
 * Counts every request against its client IP's quota (API and pages alike)
 * and sends the `ip` policy in the RateLimit fields; over it: 429
 * `rate_limited` with `Retry-After`. Mounted before anything reads the request.
 */
export function limitRequestsByIp(ctx: ServerContext): RequestHandler {
  return async (req, res, next) => {
    if (!ctx.config.rateLimits.enabled || EXEMPT.has(req.path)) return next();
    try {
      await count(rateLimiters(ctx).ip, 'ip', `ip:${clientAddress(req.ip)}`, res);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * Counts an authenticated API request against its account's quota and, with
 * `perToken`, its credential's (called by authentication, once it knows
 * both). The auth module leaves `perToken` off for the service's own login
 * tokens: they stand for the account itself, whose quota already bounds them,
 * and the click path is spared a database write. Personal access tokens, site
 * tokens and OAuth apps' tokens each have a quota of their own.
 * Throws RateLimitedError over either.
 */
export async function limitCredential(ctx: ServerContext, req: Request, auth: AuthContext, options: { perToken: boolean }): Promise<void> {
  if (!ctx.config.rateLimits.enabled || !req.res) return;
  const limiters = rateLimiters(ctx);
  await Promise.all([
    limitAccount(ctx, req, auth.userId),
    options.perToken ? count(limiters.token, 'token', `${auth.via}:${auth.credentialId ?? auth.userId}`, req.res) : undefined,
  ]);
}

/**
 * Counts a request against its account's quota only: a page request of a
 * logged-in browser (its session stands for the account, as the service's own
 * login tokens do), and the account share of an API request. Throws
 * RateLimitedError over it.
 */
export async function limitAccount(ctx: ServerContext, req: Request, userId: string): Promise<void> {
  if (!ctx.config.rateLimits.enabled || !req.res) return;
  await count(rateLimiters(ctx).account, 'account', `account:${userId}`, req.res);
}

async function count(limiter: Limiter, name: string, key: string, res: Response): Promise<void> {
  const { points, durationSeconds } = limiter.spec;
  const state = (remaining: number, resetSeconds: number): PolicyState => ({ name, quota: points, windowSeconds: durationSeconds, remaining, resetSeconds });
  let result: RateLimiterRes;
  try {
    result = await limiter.store.consume(key);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const wait = secondsUntilReset(error);
    appendRateLimitHeaders(res, state(0, wait));
    throw new RateLimitedError(`Too many requests (policy "${name}": ${points} per ${durationSeconds} s); retry in ${wait} s`, wait);
  }
  appendRateLimitHeaders(res, state(result.remainingPoints, secondsUntilReset(result)));
}
