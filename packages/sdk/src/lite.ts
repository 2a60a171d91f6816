/*
 * The lean entry the widget imports (`@flattr/sdk/lite`): batched counts and
 * one-click flattrs, nothing else, so the script-tag bundle stays small.
 * FlattrClient builds its `counts` on the same batcher.
 */
import { errorFromResponse } from './errors.js';
import { abortable, fetchOf } from './http/fetch.js';
import type { Flattr } from './types.js';

export { FlattrError } from './errors.js';
export type { Flattr } from './types.js';

export interface Counts {
  thingId: string | null;
  count: number;
}

export interface CountsBatcherOptions {
  /** Service origin, e.g. `http://127.0.0.1:8080`; endpoints are under `/v1`. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** URLs per request; the server accepts at most 100. */
  maxBatch?: number;
  /** How long an answer is reused. The server's `Cache-Control` says 30 s. */
  cacheMs?: number;
}

export interface CountsBatcher {
  get(url: string, options?: { signal?: AbortSignal }): Promise<Counts>;
  /** Forgets cached answers (e.g. after this reader flattred something). */
  clear(): void;
}

interface Entry {
  promise: Promise<Counts>;
  resolve(value: Counts): void;
  reject(error: unknown): void;
  /** Set once answered; until then the entry is in flight and shared. */
  expires?: number;
}

/**
 * Coalesces `get(url)` calls made in the same tick into
 * `GET /v1/counts?url=…&url=…` requests of at most `maxBatch` URLs.
 * Identical URLs share one promise; answers are kept `cacheMs`.
 */
export function createCountsBatcher(options: CountsBatcherOptions): CountsBatcher {
  const maxBatch = options.maxBatch ?? 100;
  const cacheMs = options.cacheMs ?? 30_000;
  const entries = new Map<string, Entry>();
  let queued: string[] = [];

  const flush = () => {
    const urls = queued;
    queued = [];
    for (let i = 0; i < urls.length; i += maxBatch) void load(urls.slice(i, i + maxBatch));
  };

  const load = async (urls: string[]) => {
    try {
      const query = urls.map((u) => `url=${encodeURIComponent(u)}`).join('&');
      const response = await fetchOf(options.fetch)(`${options.baseUrl}/v1/counts?${query}`, { headers: { accept: 'application/json' } });
      if (!response.ok) throw await errorFromResponse(response);
      const { counts } = (await response.json()) as { counts: Record<string, Counts | undefined> };
      for (const url of urls) {
        const entry = entries.get(url)!;
        entry.expires = Date.now() + cacheMs;
        entry.resolve(counts[url] ?? { thingId: null, count: 0 });
      }
    } catch (error) {
      // A failed batch is not cached: the next get() asks again.
      for (const url of urls) {
        entries.get(url)!.reject(error);
        entries.delete(url);
      }
    }
  };

  return {
    get(url, { signal } = {}) {
      let entry = entries.get(url);
      if (!entry || (entry.expires !== undefined && entry.expires <= Date.now())) {
        let resolve!: Entry['resolve'];
        let reject!: Entry['reject'];
        const promise = new Promise<Counts>((res, rej) => { resolve = res; reject = rej; });
        // Callers that stop listening must not leave an unhandled rejection behind.
        promise.catch(() => {});
        entry = { promise, resolve, reject };
        entries.set(url, entry);
        if (queued.push(url) === 1) setTimeout(flush, 0);
      }
      return signal ? abortable(entry.promise, signal) : entry.promise;
    },
    clear() {
      for (const [url, entry] of entries) if (entry.expires !== undefined) entries.delete(url);
    },
  };
}

/**
 * Records a flattr with a token (a site token from the one-click flow, or
 * any token with the `flattr` scope). 201 for a first flattr this period,
 * 200 when this reader had already flattred the thing.
 */
export async function createFlattr(
  options: { baseUrl: string; token: string; fetch?: typeof fetch; idempotencyKey?: string },
  input: { url: string; title?: string; creator?: string },
): Promise<{ status: 200 | 201; flattr: Flattr }> {
  const response = await fetchOf(options.fetch)(`${options.baseUrl}/v1/flattrs`, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: `Bearer ${options.token}`,
      'idempotency-key': options.idempotencyKey ?? crypto.randomUUID(),
    },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return { status: response.status as 200 | 201, flattr: (await response.json()) as Flattr };
}
