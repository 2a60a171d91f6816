import { hostOf, normalizeUrl } from '../things/index.js';

export interface SiteAddress {
  /** What ownership is proven for and things are matched on: lower-case host plus a non-default port (`hostOf`). */
  host: string;
  /** Where the proof is fetched from: the scheme the creator gave (https if none) and the host. */
  origin: string;
}

/**
 * The site a URL belongs to. A site is a host with its port: `example.com`,
 * `blog.example.com` and `example.com:8443` are three sites, exactly as
 * things' `host` field names them, so a verified site owns precisely the
 * things whose `host` equals it. A bare host (`example.com`) means https.
 * Throws 400 `invalid_url` like every URL input.
 */
export function siteAddressOf(input: string): SiteAddress {
  const trimmed = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  const url = new URL(normalizeUrl(withScheme));
  return { host: hostOf(url.href), origin: `${url.protocol}//${url.host}` };
}
