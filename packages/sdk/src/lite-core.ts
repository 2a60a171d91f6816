/*
 * The smallest form of `@flattr/sdk/lite`, for the widget's script-tag bundle
 * (`@flattr/sdk/lite-core`, internal): the same-tick counts batcher and
 * createFlattr, with no FlattrError class, no Retry-After parsing and no
 * fetch detection. `lite.ts` is these same functions with the documented
 * FlattrError errors laid over them, so batching lives in one place.
 */
import type { Flattr } from './types.js';

export {
  confirmUrl, openConfirmWindow, waitForConfirmResult,
  type ConfirmResult, type ConfirmSuccess, type MessageHost, type WaitOptions,
} from './confirm-window.js';

export interface Counts {
  thingId: string | null;
  count: number;
}

/** What the core throws: an Error carrying the HTTP `status` and the problem `code` and `detail`. */
export interface HttpError extends Error {
  status: number;
  code: string;
  detail?: string;
}

export interface CoreOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  /**
   * Turns a failure into the error to throw: a non-2xx answer, or (response undefined) no answer at all, with
   * fetch's error as `cause`. Default: a plain Error with status (0 without an answer), code and detail.
   */
  toError?: ToError;
  /** Makes `promise` reject when `signal` aborts (default: rejects with an `aborted` error). */
  abortable?: <T>(promise: Promise<T>, signal: AbortSignal) => Promise<T>;
}

export interface CountsBatcherCoreOptions extends CoreOptions {
  maxBatch?: number;
  cacheMs?: number;
}

export interface CountsBatcher {
  get(url: string, options?: { signal?: AbortSignal }): Promise<Counts>;
  /** Forgets cached answers (e.g. after this reader flattred something). */
  clear(): void;
}

/**
 * An Error with the answer's status and its problem document's `code` and `detail`; without an answer (fetch
 * failed: offline, DNS, CORS), status 0 and code `network_error`, fetch's error as `cause`.
 */
export async function httpError(response: Response | undefined, cause?: unknown): Promise<HttpError> {
  if (!response) return Object.assign(new Error(`Network error: ${String((cause as Error)?.message ?? cause)}`, { cause }), { status: 0, code: 'network_error' });
  const { status } = response;
  // Not JSON (or no body): the status says enough.
  const problem = (await response.json().catch(() => null)) as { code?: unknown; detail?: unknown } | null;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const code = text(problem?.code) ?? `http_${status}`;
  const detail = text(problem?.detail);
  return Object.assign(new Error(`${status} ${code}${detail ? `: ${detail}` : ''}`), { status, code, detail });
}

function abortableDefault<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('The request was aborted'), { status: 0, code: 'aborted' }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject);
  });
}

// Window's fetch throws "Illegal invocation" when called as a method of another object.
const fetchFor = (options: CoreOptions): typeof fetch => options.fetch ?? ((input, init) => fetch(input, init));

/** One error path: what to throw for an error answer, or (no response) for no answer at all. */
export type ToError = (response: Response | undefined, cause?: unknown) => Promise<Error> | Error;
type Abortable = <T>(promise: Promise<T>, signal: AbortSignal) => Promise<T>;

async function send(options: CoreOptions, toError: ToError, path: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFor(options)(options.baseUrl + path, init);
  } catch (cause) {
    throw await toError(undefined, cause);
  }
  if (!response.ok) throw await toError(response);
  return response;
}

interface Entry {
  promise: Promise<Counts>;
  /** Set once answered; until then the entry is in flight and shared. */
  expires?: number;
}

/**
 * Coalesces `get(url)` calls made in the same tick into
 * `GET /v1/counts?url=…&url=…` requests of at most `maxBatch` URLs.
 * Identical URLs share one promise; answers are kept `cacheMs`.
 */
export function createCountsBatcher(options: CountsBatcherCoreOptions): CountsBatcher {
  return countsBatcherWith(options, options.toError ?? httpError, options.abortable ?? abortableDefault);
}

/**
 * The batcher with its error and abort behaviour given explicitly: `lite.ts`
 * passes FlattrError's, so its bundle carries no second error path.
 */
export function countsBatcherWith(options: CountsBatcherCoreOptions, toError: ToError, abortable: Abortable): CountsBatcher {
  const maxBatch = options.maxBatch ?? 100;
  const cacheMs = options.cacheMs ?? 30_000;
  const entries = new Map<string, Entry>();
  // The URLs gathered for the next request, and its answer: sent at the end of the tick, or a new batch once full.
  let batch: { urls: string[]; counts: Promise<Record<string, Counts | undefined>> } | undefined;

  const load = async (urls: string[]) => {
    if (batch?.urls === urls) batch = undefined; // a get() from here on starts the next batch
    const query = urls.map((u) => `url=${encodeURIComponent(u)}`).join('&');
    const response = await send(options, toError, `/v1/counts?${query}`, { headers: { accept: 'application/json' } });
    return ((await response.json()) as { counts: Record<string, Counts | undefined> }).counts;
  };

  return {
    get(url, { signal } = {}) {
      let entry = entries.get(url);
      if (!entry || entry.expires! <= Date.now()) {
        if (!batch || batch.urls.length >= maxBatch) {
          const urls: string[] = [];
          batch = { urls, counts: new Promise((resolve) => setTimeout(resolve, 0)).then(() => load(urls)) };
        }
        batch.urls.push(url);
        const answer: Entry = (entry = { promise: batch.counts.then((counts) => counts[url] ?? { thingId: null, count: 0 }) });
        entries.set(url, answer);
        // Kept cacheMs once answered. A failure is not kept (the next get() asks again); handled here, so callers
        // that stop listening leave no unhandled rejection behind.
        answer.promise.then(() => (answer.expires = Date.now() + cacheMs), () => entries.delete(url));
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
 * 200 when this reader had already flattred the thing. Sent once: an
 * `Idempotency-Key` goes with it only when the caller gives one (a caller
 * that retries the call itself must give the same key each time).
 */
export function createFlattr(
  options: CoreOptions & { token: string; idempotencyKey?: string },
  input: { url: string; title?: string; creator?: string },
): Promise<{ status: 200 | 201; flattr: Flattr }> {
  return flattrWith(options, input, options.toError ?? httpError);
}

/** createFlattr with its error behaviour given explicitly (see countsBatcherWith). */
export async function flattrWith(
  options: CoreOptions & { token: string; idempotencyKey?: string },
  input: { url: string; title?: string; creator?: string },
  toError: ToError,
): Promise<{ status: 200 | 201; flattr: Flattr }> {
  const response = await send(options, toError, '/v1/flattrs', {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: `Bearer ${options.token}`,
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    body: JSON.stringify(input),
  });
  return { status: response.status as 200 | 201, flattr: (await response.json()) as Flattr };
}
