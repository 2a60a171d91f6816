import { abortError } from './fetch.js';
import { errorFromResponse, FlattrError, type FlattrRequestInfo } from '../errors.js';
import type { Emitter } from '../events.js';
import type { FlattrEvents } from '../events.js';
import { backoffDelay, isRetryableStatus, type RetryPolicy } from './backoff.js';

/** Everything a call needs from its client; FlattrClient builds one per instance. */
export interface Transport {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs?: number;
  retry: RetryPolicy;
  headers: Record<string, string>;
  events: Emitter<FlattrEvents>;
  /** The bearer credential to send, if any. */
  credentials(): Promise<string | undefined>;
  /** After a 401 for `rejected`: fetch new credentials; true when there are new ones to try. */
  refresh?(rejected: string): Promise<boolean>;
  random?: () => number;
}

export type QueryValue = string | number | boolean | undefined | null | Array<string | number>;

export interface CallSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with the leading slash, e.g. `/v1/me`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded (OAuth token endpoint). */
  form?: Record<string, string>;
  /** `false`: send no credentials (public and auth endpoints). A string: send exactly this token. */
  auth?: false | string;
  /** Retry 429/503/network failures; defaults to true for GET/HEAD only. */
  retry?: boolean;
  idempotencyKey?: string;
  /** How to read a 2xx body; default JSON (empty for 204). */
  accept?: 'json' | 'text';
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline for the whole call, retries included. */
  timeoutMs?: number;
  /** Overrides the client's retry count for this call. */
  retries?: number;
  headers?: Record<string, string>;
}

/** Sends a call and reads its 2xx body, or throws FlattrError (and emits `error`). */
export async function send<T>(t: Transport, spec: CallSpec, options: CallOptions = {}): Promise<T> {
  return (await sendFull<T>(t, spec, options)).body;
}

/** As `send`, with the status and headers of the answer. */
export async function sendFull<T>(t: Transport, spec: CallSpec, options: CallOptions = {}): Promise<{ status: number; headers: Headers; body: T }> {
  try {
    return await exchange(t, spec, options, async (response, request) => {
      if (!response.ok) throw await errorFromResponse(response, request);
      return { status: response.status, headers: response.headers, body: await readBody<T>(response, spec, request) };
    });
  } catch (error) {
    if (error instanceof FlattrError) t.events.emit('error', error);
    throw error;
  }
}

async function readBody<T>(response: Response, spec: CallSpec, request: FlattrRequestInfo): Promise<T> {
  if (response.status === 204 || spec.method === 'HEAD') return undefined as T;
  const text = await response.text();
  if (spec.accept === 'text') return text as T;
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch (cause) {
    throw new FlattrError(`${response.status} answer is not JSON`, { status: response.status, code: 'invalid_response', request, cause });
  }
}

/**
 * The retry loop: deadline, abort, credentials and one refresh after a 401,
 * backoff for 429/503/network failures on retryable calls. `read` runs while
 * the deadline still applies and decides what a final response means.
 */
export async function exchange<T>(
  t: Transport,
  spec: CallSpec,
  options: CallOptions,
  read: (response: Response, request: FlattrRequestInfo) => Promise<T>,
): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const url = buildUrl(t.baseUrl, spec.path, spec.query);
  const retryable = spec.retry ?? (spec.method === 'GET' || spec.method === 'HEAD');
  const retries = retryable ? (options.retries ?? t.retry.retries) : 0;
  const timeoutMs = options.timeoutMs ?? t.timeoutMs;
  const deadline = timeoutMs ? Date.now() + timeoutMs : Infinity;

  // One controller for the whole call: the caller's signal and the deadline both end it.
  const controller = new AbortController();
  let timedOut = false;
  const timer = timeoutMs ? setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs) : undefined;
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let request: FlattrRequestInfo = { method: spec.method, url, headers: {} };
  let attempt = 0;
  const interrupted = (cause?: unknown): FlattrError | undefined => {
    if (timedOut) return new FlattrError(`No answer within ${timeoutMs} ms`, { status: 0, code: 'timeout', request, cause });
    if (signal?.aborted) return new FlattrError('The request was aborted', { status: 0, code: 'aborted', request, cause: signal.reason });
    return undefined;
  };

  try {
    let refreshed = false;
    for (;;) {
      const token = spec.auth === false ? undefined : typeof spec.auth === 'string' ? spec.auth : await t.credentials();
      const headers: Record<string, string> = { accept: 'application/json', ...t.headers, ...options.headers };
      let body: string | undefined;
      if (spec.form) {
        body = new URLSearchParams(spec.form).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else if (spec.body !== undefined) {
        body = JSON.stringify(spec.body);
        headers['content-type'] = 'application/json';
      }
      if (token) headers.authorization = `Bearer ${token}`;
      if (spec.idempotencyKey) headers['idempotency-key'] = spec.idempotencyKey;
      request = { method: spec.method, url, headers: redact(headers) };

      let response: Response;
      try {
        response = await t.fetch(url, { method: spec.method, headers, body, signal: controller.signal });
      } catch (cause) {
        const stop = interrupted(cause);
        if (stop) throw stop;
        await backOff(new FlattrError(`Network error: ${describe(cause)}`, { status: 0, code: 'network_error', request, cause }));
        continue;
      }

      // Credentials we sent were refused: refresh once (shared with concurrent calls) and try again.
      if (response.status === 401 && token && typeof spec.auth !== 'string' && !refreshed && t.refresh) {
        refreshed = true;
        if (await t.refresh(token)) {
          await discard(response);
          continue;
        }
      }
      if (response.ok || !retryable || !isRetryableStatus(response.status) || attempt >= retries) {
        return await read(response, request);
      }
      await backOff(await errorFromResponse(response, request));
    }
  } catch (error) {
    if (error instanceof FlattrError) throw error;
    throw interrupted(error) ?? error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }

  /** Waits before the next attempt, or throws `failure` when no attempt is left or worth it. */
  async function backOff(failure: FlattrError): Promise<void> {
    if (attempt >= retries) throw failure;
    const asked = failure.retryAfter;
    if (asked !== undefined && asked * 1000 > t.retry.maxRetryAfterMs) throw failure;
    const delayMs = asked !== undefined ? asked * 1000 : backoffDelay(t.retry, attempt, t.random);
    // Waiting past the deadline would only end in a timeout: give the caller the real reason now.
    if (Date.now() + delayMs >= deadline) throw failure;
    attempt += 1;
    t.events.emit('retry', { attempt, delayMs, error: failure });
    await sleep(delayMs, controller.signal);
  }
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const search = params.toString();
  return `${baseUrl}${path}${search ? `?${search}` : ''}`;
}

function redact(headers: Record<string, string>): Record<string, string> {
  const copy = { ...headers };
  if (copy.authorization) copy.authorization = 'Bearer [REDACTED]';
  return copy;
}

function describe(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  return inner?.code ?? inner?.message ?? (cause instanceof Error ? cause.message : String(cause));
}

/** Frees the connection of an answer we will not use (a problem document: small). */
async function discard(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch {
    // Already consumed or cut: nothing to free.
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
