/**
 * What a click needs once the reader clicked, loaded on the first click and
 * not with the page: waiting for the confirm window's result and the
 * one-click flattr with a site token. The script-tag bundle fetches it as
 * `flattr-click.js` beside `flattr.js` (`import()` in a classic script
 * resolves against the script's own URL); bundlers split it as usual.
 * Both answer one shape, so the element has one success and one failure path, and both keep this browser's
 * memory (flattred this month, the site token) up to date, so the element's own bundle only reads it.
 */
import { createFlattr, waitForConfirmResult } from '@flattr/sdk/lite-core';
import { BEYOND_TOKEN_CODES } from './site-token-codes.js';
import { rememberFlattred, setSiteToken } from './storage.js';

export type ClickOutcome =
  | { ok: true; thingId: string | null; count: number | null; period: string; flattrId: string | null }
  /** A failure is the `flattr-error` detail itself. */
  | { ok?: undefined; code: string; message: string; status?: number };

/**
 * The window's result, or null when the reader closed it without one. `early`: the messages the window posted
 * before this code arrived, kept by the element from the moment it opened the window.
 */
export async function resultFromWindow(popup: Window, apiOrigin: string, signal: AbortSignal, early: MessageEvent[]): Promise<ClickOutcome | null> {
  const result = await waitForConfirmResult(popup, apiOrigin, { signal, early });
  if (!result) return null;
  if (!result.ok) return { code: result.code, message: result.detail ?? result.code };
  const { url, thingId, count, period, flattrId, siteToken } = result;
  if (siteToken) setSiteToken(apiOrigin, siteToken);
  rememberFlattred(apiOrigin, url, period);
  return { ok: true, thingId, count, period, flattrId };
}

/** `POST /v1/flattrs` with the site token the reader granted this site; `count` null when the answer has none. */
export async function flattrWithToken(apiOrigin: string, token: string, input: { url: string; title?: string; creator?: string }): Promise<ClickOutcome> {
  try {
    const { flattr } = await createFlattr({ baseUrl: apiOrigin, token }, input);
    rememberFlattred(apiOrigin, input.url, flattr.period);
    return { ok: true, thingId: flattr.thingId ?? null, count: flattr.thing?.flattrCount ?? null, period: flattr.period, flattrId: flattr.id ?? null };
  } catch (error) {
    const e = error as { message?: string; status?: number; code?: string };
    // Revoked, expired, or bound to another origin: forgotten, so the next click asks in the window. A token that
    // only does not cover this click is kept.
    if ((e.status === 401 || e.status === 403) && !BEYOND_TOKEN_CODES.includes(e.code!)) setSiteToken(apiOrigin, null);
    return { code: e.code ?? 'network_error', message: e.message ?? String(error), status: e.status };
  }
}
