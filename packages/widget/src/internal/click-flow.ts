/**
 * What a click needs once the reader clicked, loaded on the first click and not with the page: waiting for the
 * confirm window's result, the one-click flattr with a site token, and every end a click can have (flattred, back
 * where it was, needs-login, failed, the window blocked and the link offered instead). The script-tag bundle
 * fetches it in `flattr-lazy.js` beside `flattr.js`; bundlers split it as usual. The element does only what must
 * happen inside the reader's click (the `flattr-click` event, opening the window) and hands over here.
 * Both paths keep this browser's memory (flattred this month, the site token) up to date, so the element's own
 * bundle only reads it.
 */
import { confirmUrl, createFlattr, openConfirmWindow, waitForConfirmResult } from '@flattr/sdk/lite-core';
import type { FlattrButtonState } from '../components/flattr-button/flattr-button.component.js';
import type { FlattrErrorDetail } from '../events/flattr-error.js';
import { enAfterClick } from '../i18n/en.js';
import type { Strings } from '../i18n/strings.js';
import { emit } from './emit.js';
import { BEYOND_TOKEN_CODES } from './site-token-codes.js';
import { rememberFlattred, setSiteToken } from './storage.js';

export type ClickOutcome =
  | { ok: true; thingId: string | null; count: number | null; period: string; flattrId: string | null }
  /** A failure is the `flattr-error` detail itself. */
  | ({ ok?: undefined } & FlattrErrorDetail);

/**
 * The element's members the click flow drives (`@internal`: not part of its typed API). In the script tag they
 * keep the same minified names in both files (rollup.config.mjs, `scriptTagNames`).
 */
export interface ClickHost extends HTMLElement {
  readonly effectiveUrl: string;
  readonly effectiveTitle: string;
  readonly effectiveCreator: string;
  count: number | null;
  thingId: string | null;
  _state: FlattrButtonState;
  _pending: boolean;
  /** The count to announce in the live region after a success. */
  _announced?: number;
  /** The link offered when the window was blocked, rendered with the button's strings. */
  _fallback?: ((strings: Strings) => unknown) | null;
  _confirmAbort?: AbortController;
  _fail(detail: FlattrErrorDetail, retry: 'counts' | 'click', state?: FlattrButtonState): void;
}

// Window results that mean "the reader is not logged in": the button then offers to log in.
const LOGIN_CODES = ['login_required', 'unauthorized', 'invalid_token'];

/**
 * Lit's `html` without Lit (the second file must not bring a copy of its own): a template result is this plain
 * object (Lit's documented compiled-template shape), rendered by the element's Lit.
 */
const html = (strings: TemplateStringsArray, ...values: unknown[]) => ({ ['_$litType$']: 1, strings, values });

/**
 * After the element's click: with `token`, the one-click flattr; else waiting for `popup`, the window the element
 * opened (null: the browser blocked it). `previous`: the state to return to when the window closes without a
 * result. `early`: what the window posted before this code arrived. `clearCounts`: the element's count cache.
 * `english`: the element's English strings, which in the script tag lack what only a click's end shows until here.
 */
export async function finishClick(
  el: ClickHost,
  origin: string,
  previous: FlattrButtonState,
  token: string | null,
  popup: Window | null,
  early: MessageEvent[],
  clearCounts: (origin: string) => void,
  english: object,
): Promise<void> {
  Object.assign(english, enAfterClick);
  el._pending = true;
  el._state = 'loading';
  const via = token ? 'site-token' : 'window';
  const input = { url: el.effectiveUrl, title: el.effectiveTitle, creator: el.effectiveCreator };
  let outcome: ClickOutcome | null;
  if (token) {
    // Empty title or creator: not sent.
    outcome = await flattrWithToken(origin, token, { url: input.url, title: input.title || undefined, creator: input.creator || undefined });
  } else if (popup) {
    el._fallback = null;
    const abort = (el._confirmAbort = new AbortController());
    if (!el.isConnected) abort.abort(); // removed while this code was on its way
    outcome = await resultFromWindow(popup, origin, abort.signal, early);
  } else {
    const url = confirmUrl(origin, input);
    // Opening as a tab from the link's own click; if that is blocked too, the link navigates by itself.
    const open = (event: MouseEvent) => {
      const tab = openConfirmWindow(url, true);
      if (tab) {
        event.preventDefault();
        void finishClick(el, origin, el._state, null, tab, [], clearCounts, english);
      }
    };
    el._fallback = (strings) => html`<a part="fallback" href=${url} target="_blank" @click=${open}>${strings.popupBlocked}</a>`;
    outcome = { code: 'popup_blocked', message: 'The browser blocked the Flattr window.', fallbackUrl: url };
  }
  el._pending = false;
  if (!outcome) {
    el._state = previous; // closed without a result: the reader changed their mind
  } else if (outcome.ok) {
    const detail = { url: input.url, thingId: outcome.thingId, count: outcome.count ?? el.count ?? 0, period: outcome.period, flattrId: outcome.flattrId, via } as const;
    clearCounts(origin);
    el.count = el._announced = detail.count;
    el.thingId = detail.thingId;
    el._state = 'flattred';
    emit(el, 'flattr-success', { detail });
  } else if (token && (BEYOND_TOKEN_CODES.includes(outcome.code) || outcome.status === 401 || outcome.status === 403)) {
    // Beyond the token (kept): the reader confirms this one in the window. Revoked, expired, or bound to another
    // origin (forgotten): the reader is asked to log in there.
    const state = BEYOND_TOKEN_CODES.includes(outcome.code) ? previous : 'needs-login';
    void finishClick(el, origin, state, null, openConfirmWindow(confirmUrl(origin, input)), [], clearCounts, english);
  } else {
    // Not logged in: the button offers to log in (a click opens the window again).
    el._fail(outcome, 'click', LOGIN_CODES.includes(outcome.code) ? 'needs-login' : 'error');
  }
}

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
