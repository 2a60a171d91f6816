/** What the confirm window posts back (see docs/widget.md, "Security model"). */
export type ConfirmResult =
  | {
      type: 'flattr:result';
      ok: true;
      url: string;
      thingId: string | null;
      count: number;
      period: string;
      flattrId: string | null;
      siteToken?: string;
    }
  | { type: 'flattr:result'; ok: false; code: string; detail?: string };

export interface ConfirmRequest {
  /** The service's origin (`apiOrigin`). */
  api: string;
  url: string;
  title: string;
  creator: string;
}

export function confirmUrl(request: ConfirmRequest): string {
  const query = new URLSearchParams({
    url: request.url,
    title: request.title,
    creator: request.creator,
    origin: location.origin,
  });
  return `${request.api}/widget/confirm?${query}`;
}

const WINDOW_NAME = 'flattr-confirm';
const FEATURES = 'popup,width=440,height=600';
const CLOSED_POLL_MS = 500;

/**
 * Opens the confirm window. Must run synchronously inside the reader's click so the popup blocker lets it
 * through; returns null when the browser blocked it anyway.
 */
export function openConfirmWindow(request: ConfirmRequest, asTab = false): Window | null {
  return window.open(confirmUrl(request), WINDOW_NAME, asTab ? '' : FEATURES);
}

/**
 * Resolves with the window's result, or null when the reader closed it without one. Only a message whose
 * origin is exactly the service's and whose source is exactly this window counts: the host page, other
 * frames and other windows cannot fake a result.
 */
// All buttons share the one named window: when another button reuses it, the earlier wait ends, so a result
// is only ever delivered to the button whose request is showing in the window.
let endCurrentWait: (() => void) | undefined;

export function awaitConfirmResult(popup: Window, apiOrigin: string, signal?: AbortSignal, early: MessageEvent[] = []): Promise<ConfirmResult | null> {
  endCurrentWait?.();
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.origin === apiOrigin && event.source === popup && isConfirmResult(event.data)) finish(event.data);
    };
    const timer = setInterval(() => {
      if (popup.closed) finish(null);
    }, CLOSED_POLL_MS);
    const finish = (result: ConfirmResult | null) => {
      if (endCurrentWait === onAbort) endCurrentWait = undefined;
      clearInterval(timer);
      window.removeEventListener('message', onMessage);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => finish(null);
    endCurrentWait = onAbort;
    window.addEventListener('message', onMessage);
    signal?.addEventListener('abort', onAbort);
    // Messages that arrived while this code was being fetched (the window can be quicker than the network).
    early.forEach(onMessage);
  });
}

function isConfirmResult(data: unknown): data is ConfirmResult {
  const d = data as Record<string, unknown> | null;
  return d?.type === 'flattr:result' && (d.ok === true
    ? typeof d.url === 'string' && typeof d.count === 'number' && typeof d.period === 'string'
    : d.ok === false && typeof d.code === 'string');
}
