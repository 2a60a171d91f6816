/*
 * The lean entry the widget imports (`@flattr/sdk/lite`): batched counts and
 * one-click flattrs, nothing else, so the script-tag bundle stays small.
 * FlattrClient builds its `counts` on the same batcher. The batching itself
 * lives in `lite-core.ts` (the widget's smaller entry); this adds FlattrError.
 */
import { errorFromResponse, FlattrError } from './errors.js';
import { abortable, fetchOf } from './http/fetch.js';
import { countsBatcherWith, flattrWith } from './lite-core.js';
import type { Flattr } from './types.js';

export { FlattrError } from './errors.js';

/**
 * The one error path of this entry: every failure is a FlattrError (an error answer with the server's code,
 * `network_error` with status 0 when no answer came, `aborted`).
 */
function toFlattrError(response: Response | undefined, cause?: unknown): Promise<FlattrError> | FlattrError {
  if (response) return errorFromResponse(response);
  // FlattrClient's own fetch (its retrying transport) already speaks FlattrError: timeout, aborted, …
  if (cause instanceof FlattrError) return cause;
  return new FlattrError(`Network error: ${String((cause as Error)?.message ?? cause)}`, { status: 0, code: 'network_error', cause });
}
export type { Flattr } from './types.js';
export { confirmInWindow, type ConfirmWindowOptions } from './auth/confirm-window.js';
export {
  confirmUrl, openConfirmWindow, waitForConfirmResult,
  type ConfirmResult, type ConfirmSuccess, type MessageHost, type WaitOptions,
} from './confirm-window.js';

import type { CountsBatcher } from './lite-core.js';
export type { Counts, CountsBatcher } from './lite-core.js';

export interface CountsBatcherOptions {
  /** Service origin, e.g. `http://127.0.0.1:8080`; endpoints are under `/v1`. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** URLs per request; the server accepts at most 100. */
  maxBatch?: number;
  /** How long an answer is reused. The server's `Cache-Control` says 30 s. */
  cacheMs?: number;
}

/**
 * Coalesces `get(url)` calls made in the same tick into
 * `GET /v1/counts?url=…&url=…` requests of at most `maxBatch` URLs.
 * Identical URLs share one promise; answers are kept `cacheMs`.
 * Failures are FlattrErrors.
 */
export function createCountsBatcher(options: CountsBatcherOptions): CountsBatcher {
  return countsBatcherWith({ ...options, fetch: fetchOf(options.fetch) }, toFlattrError, abortable);
}

/**
 * Records a flattr with a token (a site token from the one-click flow, or
 * any token with the `flattr` scope). 201 for a first flattr this period,
 * 200 when this reader had already flattred the thing. Sent once (nothing
 * here retries): an `Idempotency-Key` only when you give one. Failures are
 * FlattrErrors.
 */
export function createFlattr(
  options: { baseUrl: string; token: string; fetch?: typeof fetch; idempotencyKey?: string },
  input: { url: string; title?: string; creator?: string },
): Promise<{ status: 200 | 201; flattr: Flattr }> {
  return flattrWith({ ...options, fetch: fetchOf(options.fetch) }, input, toFlattrError);
}
