import { createCountsBatcher, type Counts } from '@flattr/sdk/lite-core';

type Batcher = ReturnType<typeof createCountsBatcher>;

// One batcher per service: every button on the page asking in the same tick shares one request per 100 URLs.
const batchers = new Map<string, Batcher>();

export function countsFor(apiOrigin: string, url: string, signal?: AbortSignal): Promise<Counts> {
  let batcher = batchers.get(apiOrigin);
  if (!batcher) {
    batcher = createCountsBatcher({ baseUrl: apiOrigin, maxBatch: 100 });
    batchers.set(apiOrigin, batcher);
  }
  return batcher.get(url, signal ? { signal } : undefined);
}

/** Forgets cached counts (after a flattr, the next read must not be the stale cached one). */
export function clearCounts(apiOrigin: string): void {
  batchers.get(apiOrigin)?.clear();
}
