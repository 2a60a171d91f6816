/*
 * The confirm window, once for the SDK and the widget (`@flattr/sdk/lite-core`,
 * `@flattr/sdk/lite`): the service's page where the reader confirms a flattr
 * with their first-party session, and its `flattr:result` message back to the
 * page that opened it (docs/widget.md, "The confirm window"). No error class
 * here: a result, or null when the window closed without one; `lite.ts`'s
 * confirmInWindow turns that into FlattrErrors for apps.
 */

/** What the service's confirm window posts back to its opener. */
export type ConfirmResult =
  | { type: 'flattr:result'; ok: true; url: string; thingId: string; count: number; period: string; flattrId: string; siteToken?: string }
  | { type: 'flattr:result'; ok: false; code: string; detail?: string };

export type ConfirmSuccess = Extract<ConfirmResult, { ok: true }>;

/** Where messages arrive (the page's window; tests give a stand-in). */
export type MessageHost = Pick<Window, 'addEventListener' | 'removeEventListener'>;

export interface WaitOptions {
  /** Ends the wait with null (the element was removed, the app gave up). */
  signal?: AbortSignal;
  /** Messages the window posted before this wait began (e.g. while the code for it was being fetched). */
  early?: MessageEvent[];
  host?: MessageHost;
  /** How often to notice that the window was closed without an answer (ms). */
  pollMs?: number;
}

/** One name for the window: every button and app on a page shares (and reuses) it. */
export const CONFIRM_WINDOW_NAME = 'flattr-confirm';
const FEATURES = 'popup,width=440,height=600';
/** A closed window is noticed within this (there is no event for it). */
export const CLOSED_POLL_MS = 300;

/** `{service}/widget/confirm?url&title&creator&origin`: `origin` is where the result will be posted, this page's. */
export function confirmUrl(baseUrl: string, input: { url: string; title?: string; creator?: string }, origin: string = location.origin): string {
  const query = new URLSearchParams({ url: input.url, title: input.title ?? '', creator: input.creator ?? '', origin });
  return `${baseUrl}/widget/confirm?${query}`;
}

/**
 * Opens the confirm window: call it synchronously inside the reader's click, or the popup blocker stops it
 * (null). `asTab`: a tab instead of a popup (from a link the reader clicked after the popup was blocked).
 */
export function openConfirmWindow(url: string, asTab = false): Window | null {
  return window.open(url, CONFIRM_WINDOW_NAME, asTab ? '' : FEATURES);
}

// All callers share the one named window: when another one reuses it, the earlier wait ends (with null), so a
// result is only ever delivered to the caller whose request the window shows.
let endCurrentWait: (() => void) | undefined;

/**
 * The window's result, or null when it was closed without one (or `signal` aborted). Only a message whose
 * origin is exactly the service's and whose source is exactly this window counts, and only with the shape above:
 * the host page, other frames and other windows cannot fake a result.
 */
export function waitForConfirmResult(popup: Window, serviceOrigin: string, options: WaitOptions = {}): Promise<ConfirmResult | null> {
  const { signal, early = [], host = window } = options;
  endCurrentWait?.();
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.origin === serviceOrigin && event.source === popup && isConfirmResult(event.data)) finish(event.data);
    };
    const timer = setInterval(() => popup.closed && finish(null), options.pollMs ?? CLOSED_POLL_MS);
    const finish = (result: ConfirmResult | null) => {
      if (endCurrentWait === onAbort) endCurrentWait = undefined;
      clearInterval(timer);
      host.removeEventListener('message', onMessage as EventListener);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => finish(null);
    endCurrentWait = onAbort;
    host.addEventListener('message', onMessage as EventListener);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    early.forEach(onMessage);
  });
}

function isConfirmResult(data: unknown): data is ConfirmResult {
  const d = data as Record<string, unknown> | null;
  return d?.type === 'flattr:result' && (d.ok === true
    ? typeof d.url === 'string' && typeof d.thingId === 'string' && typeof d.count === 'number' && typeof d.period === 'string' && typeof d.flattrId === 'string'
    : d.ok === false && typeof d.code === 'string');
}
