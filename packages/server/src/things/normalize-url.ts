import { AppError } from '../errors/index.js';

/** Longest canonical URL we store; longer ones are almost always tracking junk or abuse. */
export const MAX_URL_LENGTH = 2048;

/** A URL that cannot name a thing (not http/https, credentials, unparsable…). */
export class InvalidUrlError extends AppError {
  constructor(message: string) {
    super(400, 'invalid_url', message);
  }
}

/**
 * The canonical form of a thing's URL, so that every spelling of one page
 * maps to one thing (DESIGN.md "Things"):
 *
 * - only `http:` and `https:`; no user name or password in the URL;
 * - scheme and host lower-case, IDN hosts in punycode, IPv6 compressed
 *   (the WHATWG URL parser does these), a trailing dot on the host removed;
 * - no default port (`:80` for http, `:443` for https), no fragment;
 * - an empty path becomes `/`; every other path is kept as is, trailing slash included;
 * - query parameters named `utm_*` (any case) are dropped, the others keep
 *   their order and spelling; empty pieces (`&&`) and a bare `?` go away;
 * - percent-escapes are upper-cased (`%c3%a9` → `%C3%A9`, RFC 3986 §6.2.2.1),
 *   so a browser's and a hand-written spelling agree.
 *
 * Pure: no network, no clock. Throws `InvalidUrlError` (400 `invalid_url`).
 */
export function normalizeUrl(input: string): string {
  if (typeof input !== 'string') throw new InvalidUrlError('url must be a string');
  const trimmed = input.trim();
  if (trimmed === '') throw new InvalidUrlError('url is empty');
  if (trimmed.length > MAX_URL_LENGTH * 2) throw new InvalidUrlError(`url is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new InvalidUrlError(`"${shorten(trimmed)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(`only http and https URLs can be flattred, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidUrlError('URLs with a user name or password cannot name a thing');
  }
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  const host = url.hostname;
  if (host === '' || (!host.startsWith('[') && host.split('.').some((label) => label === ''))) {
    throw new InvalidUrlError(`"${shorten(trimmed)}" has no valid host name`);
  }
  url.hash = '';
  url.search = withoutTracking(url.search);
  const normalized = upperCaseEscapes(url.href);
  if (normalized.length > MAX_URL_LENGTH) throw new InvalidUrlError(`url is longer than ${MAX_URL_LENGTH} characters`);
  return normalized;
}

/** The host (with a non-default port) of a normalised URL: what site ownership is proven for. */
export function hostOf(normalizedUrl: string): string {
  return new URL(normalizedUrl).host;
}

function withoutTracking(search: string): string {
  if (search === '' || search === '?') return '';
  const kept = search.slice(1).split('&').filter((piece) => piece !== '' && !isTrackingKey(piece.split('=')[0]!));
  return kept.length ? `?${kept.join('&')}` : '';
}

function isTrackingKey(rawKey: string): boolean {
  let key = rawKey;
  try {
    key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    // A malformed escape is not a tracking parameter we know: keep it.
  }
  return key.toLowerCase().startsWith('utm_');
}

function upperCaseEscapes(href: string): string {
  return href.replace(/%[0-9a-fA-F]{2}/g, (escape) => escape.toUpperCase());
}

function shorten(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}…` : value;
}

/**
 * Whether a thing's URL is on a site, a site being one serialized origin
 * (`https://blog.example`): same scheme, host and port after normalisation.
 * `http://blog.example`, `https://www.blog.example` and `https://blog.example:8443`
 * are other sites, as they are to the browser's `Origin` header that binds a
 * site token (docs/auth.md, "Site tokens").
 */
export function isOnOrigin(url: string, origin: string): boolean {
  return new URL(normalizeUrl(url)).origin === origin;
}
