import { hostOf, InvalidUrlError, normalizeUrl } from '../things/index.js';

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
 *
 * Only an absolute http(s) URL or a bare host, naming a real host, is a site:
 * not a path (`/relative/path`, `//host`), not an empty authority
 * (`https:///path`, which URL parsers read as the host `path`), not a single
 * label (`example`, but `localhost` is one), not a name no DNS host can have.
 * Throws 400 `invalid_url` like every URL input.
 */
export function siteAddressOf(input: string): SiteAddress {
  const trimmed = input.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  if (!hasScheme && /^[/\\]/.test(trimmed)) {
    throw new InvalidUrlError(`"${shorten(trimmed)}" is a path, not a site: give the site's address, e.g. https://blog.example.com`);
  }
  const url = new URL(normalizeUrl(hasScheme ? trimmed : `https://${trimmed}`));
  if (!isRealHost(url.hostname)) {
    throw new InvalidUrlError(`"${shorten(url.hostname)}" is not a host name a site can have: give a full domain such as blog.example.com, or an IP address`);
  }
  return { host: hostOf(url.href), origin: `${url.protocol}//${url.host}` };
}

/** An IP address (as the URL parser writes it), `localhost`, or a domain of at least two DNS labels (letters, digits, hyphens). */
function isRealHost(hostname: string): boolean {
  if (hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname === 'localhost') return true;
  const labels = hostname.split('.');
  return labels.length >= 2
    && labels.every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label))
    && /[a-z]/.test(labels.at(-1)!);
}

function shorten(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}…` : value;
}
