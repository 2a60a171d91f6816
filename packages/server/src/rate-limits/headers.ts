import type { Response } from 'express';

/**
 * The IETF RateLimit header fields in their structured-field form
 * (draft-ietf-httpapi-ratelimit-headers-10, September 2025):
 *
 *   RateLimit-Policy: "ip";q=600;w=60
 *   RateLimit: "ip";r=599;t=60
 *
 * Each policy a request counts against adds one list member to each field
 * (several `append`s are one list, RFC 9651 §3.1). No partition key (`pk`) is
 * sent: it would echo the client's address or account back.
 */
export interface PolicyState {
  /** Policy name, a String item. */
  name: string;
  /** Quota (`q`) per window (`w`, seconds). */
  quota: number;
  windowSeconds: number;
  /** Remaining units (`r`) and seconds until more are available (`t`). */
  remaining: number;
  resetSeconds: number;
}

export function policyField(state: PolicyState): string {
  return `"${state.name}";q=${state.quota};w=${state.windowSeconds}`;
}

export function limitField(state: PolicyState): string {
  return `"${state.name}";r=${Math.max(0, state.remaining)};t=${Math.max(0, state.resetSeconds)}`;
}

/** Adds the policy to this response's RateLimit-Policy and RateLimit fields. */
export function appendRateLimitHeaders(res: Response, state: PolicyState): void {
  if (res.headersSent) return;
  res.append('RateLimit-Policy', policyField(state));
  res.append('RateLimit', limitField(state));
}

/** The same fields as plain headers, for an error that carries them (a 429 thrown by domain code). */
export function rateLimitHeaders(state: PolicyState): Record<string, string> {
  return { 'RateLimit-Policy': policyField(state), RateLimit: limitField(state) };
}
