import { countsBatcherWith, type Counts, type CountsBatcher, type ToError } from '@flattr/sdk/lite-core';
import { loadLazy } from './load-lazy.js';

// One batcher per service: every button on the page asking in the same tick shares one request per 100 URLs.
const batchers = new Map<string, CountsBatcher>();

/**
 * The SDK's problem+json reader, from the second file: only a page whose counts request failed needs it. If that
 * file cannot be fetched either, the error says so (`network_error`) with the status the service answered.
 */
const toError: ToError = (response, cause) =>
  loadLazy().then((lazy) => lazy.httpError(response, cause), () => Object.assign(new Error(`${response?.status ?? 0} network_error`), { status: response?.status ?? 0, code: 'network_error' }));

/**
 * The count of `url` on the service at `apiOrigin`. Not abortable: a button that stops caring (removed, or its
 * URL changed) ignores the answer, and the batch it shares with the other buttons goes on anyway.
 */
export function countsFor(apiOrigin: string, url: string): Promise<Counts> {
  let batcher = batchers.get(apiOrigin);
  if (!batcher) batchers.set(apiOrigin, (batcher = countsBatcherWith({ baseUrl: apiOrigin }, toError, (promise) => promise)));
  return batcher.get(url);
}

/** Forgets cached counts (after a flattr, the next read must not be the stale cached one). */
export function clearCounts(apiOrigin: string): void {
  batchers.get(apiOrigin)?.clear();
}
