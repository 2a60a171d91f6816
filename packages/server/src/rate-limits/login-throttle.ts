import type { ServerContext } from '../context.js';
import { RateLimitedError, UnauthorizedError } from '../errors/index.js';
import { clientAddress } from './client-address.js';
import { rateLimitHeaders } from './headers.js';
import { counterKey, secondsUntilReset, type Limiter } from './limiter.js';
import { rateLimiters } from './limiters.js';

/** Who tries to log in: the account named (any spelling of the email) and the client's IP. */
export interface LoginAttempt {
  email: string;
  ip: string | undefined;
}

/**
 * Brute-force protection for password logins (the API's and the login form's),
 * after OWASP's Authentication Cheat Sheet and "Slow Down Online Guessing
 * Attacks with Device Cookies": no plain per-account lockout, which would let
 * anyone lock a victim out.
 *
 * - **Account + IP**: after `freeFailures` consecutive failures from one IP,
 *   each further attempt for that account from that IP waits 1 s, 2 s, 4 s …
 *   up to `maxDelaySeconds`. A success from that IP resets it. An attacker's
 *   failures never delay the owner logging in from another address.
 * - **IP**: at most `ipFailures` failed logins per window from one IP, over
 *   any accounts (one address trying a list of accounts).
 * - **Account**: at most `accountFailures` failed logins per window for one
 *   account from all addresses (a distributed guess), except for *known
 *   clients*: an account+IP pair that logged in successfully within
 *   `knownClientDays`. The owner at a known place is never locked out; a new
 *   place waits until the window ends.
 *
 * Unknown emails are counted like known ones, so the answers reveal nothing.
 * Runs `verify` (the password check) only when the attempt may proceed; its
 * UnauthorizedError counts as a failure.
 */
export async function throttleLogin<T>(ctx: ServerContext, attempt: LoginAttempt, verify: () => Promise<T>): Promise<T> {
  const limits = ctx.config.rateLimits;
  if (!limits.enabled) return verify();
  const l = rateLimiters(ctx);
  const account = attempt.email.trim().toLowerCase();
  const address = clientAddress(attempt.ip);
  const keys = { pair: counterKey('account+ip', account, address), ip: counterKey('ip', address), account: counterKey('account', account) };

  const [delay, ipFailures, accountFailures] = await Promise.all([l.loginDelay.store.get(keys.pair), l.loginIp.store.get(keys.ip), l.loginAccount.store.get(keys.account)]);
  if (ipFailures && ipFailures.consumedPoints >= l.loginIp.spec.points) {
    throw limited(l.loginIp, 'login-ip', secondsUntilReset(ipFailures), 'Too many failed logins from your network');
  }
  if (delay && delay.consumedPoints > l.loginDelay.spec.points) {
    throw limited(l.loginFailures, 'login-account-ip', secondsUntilReset(delay), 'Too many failed logins for this account from here', limits.login.freeFailures);
  }
  if (accountFailures && accountFailures.consumedPoints >= l.loginAccount.spec.points && !(await l.loginKnown.store.get(keys.pair))) {
    throw limited(l.loginAccount, 'login-account', secondsUntilReset(accountFailures), 'Too many failed logins for this account');
  }

  let result: T;
  try {
    result = await verify();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const [failures] = await Promise.all([
      l.loginFailures.store.penalty(keys.pair),
      l.loginIp.store.penalty(keys.ip),
      l.loginAccount.store.penalty(keys.account),
    ]);
    const wait = loginDelaySeconds(failures.consumedPoints, limits.login.freeFailures, limits.login.maxDelaySeconds);
    if (wait > 0) await l.loginDelay.store.block(keys.pair, wait);
    throw error;
  }
  await Promise.all([
    l.loginFailures.store.delete(keys.pair),
    l.loginDelay.store.delete(keys.pair),
    l.loginKnown.store.set(keys.pair, 1, l.loginKnown.spec.durationSeconds),
  ]);
  return result;
}

/** The wait after the `failures`-th consecutive failure: none for the first `free - 1`, then 1 s, 2 s, 4 s … capped at `max`. */
export function loginDelaySeconds(failures: number, free: number, max: number): number {
  if (failures < free) return 0;
  return Math.min(max, 2 ** Math.min(failures - free, 30));
}

function limited(limiter: Limiter, name: string, wait: number, reason: string, quota = limiter.spec.points): RateLimitedError {
  const headers = rateLimitHeaders({ name, quota, windowSeconds: limiter.spec.durationSeconds, remaining: 0, resetSeconds: wait });
  return new RateLimitedError(`${reason}; try again in ${wait} s`, wait, headers);
}
