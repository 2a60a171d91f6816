import { currentPeriod } from './page.js';

// localStorage throws in some sandboxed iframes and with storage disabled: the button then simply
// forgets (no one-click, no "flattred" memory) instead of breaking.
function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage unavailable */
  }
}

const siteTokenKey = (apiOrigin: string) => `flattr:site-token:${apiOrigin}`;
const flattredKey = (apiOrigin: string, period: string) => `flattr:flattred:${apiOrigin}:${period}`;

/** The one-click token the reader granted this site on the service at `apiOrigin`. */
export function getSiteToken(apiOrigin: string): string | null {
  return read(siteTokenKey(apiOrigin));
}

export function setSiteToken(apiOrigin: string, token: string | null): void {
  write(siteTokenKey(apiOrigin), token);
}

function flattredUrls(apiOrigin: string, period: string): string[] {
  try {
    // Storage unavailable, nothing stored (null), or not a list: none.
    const list: unknown = JSON.parse(localStorage.getItem(flattredKey(apiOrigin, period))!);
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/** Whether this browser flattred `url` in the current period (a local memory, not a server query). */
export function isFlattred(apiOrigin: string, url: string): boolean {
  return flattredUrls(apiOrigin, currentPeriod()).includes(url);
}

export function rememberFlattred(apiOrigin: string, url: string, period = currentPeriod()): void {
  const list = flattredUrls(apiOrigin, period);
  if (!list.includes(url)) write(flattredKey(apiOrigin, period), JSON.stringify([...list, url]));
}
