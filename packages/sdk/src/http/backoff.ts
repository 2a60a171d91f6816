export interface RetryPolicy {
  /** Extra attempts after the first; 0 turns retries off. */
  retries: number;
  /** First backoff ceiling in ms; doubles per attempt. */
  baseMs: number;
  /** Backoff ceiling in ms. */
  maxMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown with `retryAfter` set. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 2, baseMs: 300, maxMs: 10_000, maxRetryAfterMs: 60_000 };

/** "Full jitter" (AWS architecture blog): a uniform wait in [0, min(max, base·2^attempt)). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt));
}

/** Statuses worth another try: the server is busy or briefly away. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503;
}
