import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, type AddressKind } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface SafeFetchOptions {
  /** The SSRF policy: may this (resolved) address be connected to? */
  allowAddress: (address: string) => boolean;
  /** Deadline for the whole fetch, redirects included. */
  timeoutMs?: number;
  /** Bytes of body read at most; the rest is not downloaded. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Resolves a host name to every address it has (injectable for tests). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** The `Accept` header (default: HTML, then plain text). */
  accept?: string;
}

export interface FetchedText {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  /** The `Content-Type` header as sent (empty when there was none). */
  contentType: string;
  body: string;
  /** The body was longer than `maxBytes` and was cut there. */
  truncated: boolean;
}

/** The target (or a redirect) resolves to an address the policy refuses. */
export class AddressNotAllowedError extends Error {
  override name = 'AddressNotAllowedError';
  constructor(readonly host: string, readonly address: string, readonly kind: AddressKind) {
    super(`${host} resolves to ${address}, a ${kind} address: the server does not fetch from there`);
  }
}

/** Anything else that kept us from getting an answer: DNS, connection, TLS, timeout, redirect loop. */
export class FetchFailedError extends Error {
  override name = 'FetchFailedError';
}

export const FETCH_DEFAULTS = { timeoutMs: 5000, maxBytes: 64 * 1024, maxRedirects: 3 } as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a URL for site verification (and feed discovery) without letting it reach the server's
 * own network (SSRF). For the first request and every redirect it resolves
 * the host itself, refuses it if ANY of its addresses is not allowed (a
 * host that mixes public and private records is an attack), and then
 * connects to exactly the address it checked (the socket's `lookup` is
 * pinned), so a second DNS answer cannot swap in another address between
 * check and connect (DNS rebinding).
 */
export async function safeFetchText(url: string, options: SafeFetchOptions): Promise<FetchedText> {
  const timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const resolve = options.resolve ?? resolveAll;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let current = parseTarget(url);
    for (let redirects = 0; ; redirects += 1) {
      const pinned = await withDeadline(checkedAddress(current, resolve, options.allowAddress), controller.signal, timeoutMs);
      const response = await request(current, pinned, controller.signal, timeoutMs, options.accept ?? DEFAULT_ACCEPT);
      const location = response.headers.location;
      if (REDIRECTS.has(response.statusCode ?? 0) && location) {
        response.destroy();
        if (redirects >= maxRedirects) throw new FetchFailedError(`more than ${maxRedirects} redirects`);
        current = parseTarget(location, current);
        continue;
      }
      const { body, truncated } = await readBody(response, maxBytes, controller.signal, timeoutMs);
      const contentType = response.headers['content-type'] ?? '';
      return { url: current.href, status: response.statusCode ?? 0, contentType, body, truncated };
    }
  } finally {
    clearTimeout(timer);
  }
}

function parseTarget(location: string, base?: URL): URL {
  let target: URL;
  try {
    target = new URL(location, base);
  } catch {
    throw new FetchFailedError(`"${location.slice(0, 200)}" is not a URL`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new FetchFailedError(`only http and https can be fetched, not ${target.protocol}`);
  }
  if (target.username || target.password) throw new FetchFailedError('URLs with credentials are not fetched');
  return target;
}

async function checkedAddress(
  target: URL,
  resolve: (hostname: string) => Promise<ResolvedAddress[]>,
  allowAddress: (address: string) => boolean,
): Promise<ResolvedAddress> {
  const hostname = bareHostname(target);
  const literal = isIP(hostname);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: hostname, family: literal as 4 | 6 }];
  } else {
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      throw new FetchFailedError(`cannot resolve ${hostname}: ${(error as Error).message}`);
    }
  }
  if (addresses.length === 0) throw new FetchFailedError(`${hostname} has no addresses`);
  for (const { address } of addresses) {
    if (!allowAddress(address)) throw new AddressNotAllowedError(hostname, address, classifyAddress(address));
  }
  return addresses[0]!;
}

async function resolveAll(hostname: string): Promise<ResolvedAddress[]> {
  // RFC 6761 §6.3: `localhost` and every name under it are the loopback address, whatever DNS says
  // (browsers resolve them so; the system resolver may not know `blog.localhost` at all).
  if (isLocalhostName(hostname)) return [{ address: '127.0.0.1', family: 4 }];
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** `URL.hostname` keeps IPv6 brackets; sockets want them off. */
function bareHostname(target: URL): string {
  const h = target.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

const DEFAULT_ACCEPT = 'text/html, text/plain;q=0.9, */*;q=0.5';

function request(target: URL, pinned: ResolvedAddress, signal: AbortSignal, timeoutMs: number, accept: string): Promise<IncomingMessage> {
  // Always answers with the address we checked, whatever the socket asks (Node 20 may ask for `all`).
  const lookup: LookupFunction = (_hostname, opts, callback) => {
    if (opts.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const req = transport.request({
      protocol: target.protocol,
      hostname: bareHostname(target),
      port: target.port || undefined,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers: { accept, 'user-agent': 'FlattrSiteVerifier/1.0' },
      lookup,
      agent: false,
      signal,
    }, resolvePromise);
    req.on('error', (error) => reject(asFetchError(error, signal, timeoutMs)));
    req.end();
  });
}

function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<{ body: string; truncated: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      resolvePromise({ body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'), truncated });
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) {
        // Stop downloading: a proof never needs more, and a huge body must not cost memory.
        finish(size > maxBytes);
        response.destroy();
      }
    });
    response.on('end', () => finish(false));
    response.on('error', (error) => {
      if (!done) {
        done = true;
        reject(asFetchError(error, signal, timeoutMs));
      }
    });
    response.on('close', () => {
      if (!done) {
        done = true;
        reject(asFetchError(new Error('connection closed before the body ended'), signal, timeoutMs));
      }
    });
  });
}

function withDeadline<T>(promise: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  if (signal.aborted) return Promise.reject(timedOut(timeoutMs));
  return new Promise((resolvePromise, reject) => {
    const onAbort = () => reject(timedOut(timeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolvePromise(value); },
      (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

function asFetchError(error: unknown, signal: AbortSignal, timeoutMs: number): Error {
  if (signal.aborted) return timedOut(timeoutMs);
  if (error instanceof AddressNotAllowedError || error instanceof FetchFailedError) return error;
  return new FetchFailedError((error as Error).message ?? String(error));
}

function timedOut(timeoutMs: number): FetchFailedError {
  return new FetchFailedError(`no complete answer within ${timeoutMs} ms`);
}
