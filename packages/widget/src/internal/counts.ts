import { countsBatcherWith, httpError, type Counts, type CountsBatcher } from '@flattr/sdk/lite-core';

// One batcher per service: every button on the page asking in the same tick shares one request per 100 URLs.
const batchers = new Map<string, CountsBatcher>();

/**
 * The count of `url` on the service at `apiOrigin`. Not abortable: a button that stops caring (removed, or its
 * URL changed) ignores the answer, and the batch it shares with the other buttons goes on anyway.
 */
export function countsFor(apiOrigin: string, url: string): Promise<Counts> {
  let batcher = batchers.get(apiOrigin);
  if (!batcher) batchers.set(apiOrigin, (batcher = countsBatcherWith({ baseUrl: apiOrigin }, httpError, (promise) => promise)));
  return batcher.get(url);
}

/** Forgets cached counts (after a flattr, the next read must not be the stale cached one). */
export function clearCounts(apiOrigin: string): void {
  batchers.get(apiOrigin)?.clear();
}
