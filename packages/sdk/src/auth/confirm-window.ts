import { FlattrError } from '../errors.js';

/** What the service's confirm window posts back to its opener (docs: widget protocol). */
export type ConfirmResult =
  | { type: 'flattr:result'; ok: true; url: string; thingId: string; count: number; period: string; flattrId: string; siteToken?: string }
  | { type: 'flattr:result'; ok: false; code: string; detail?: string };

export type ConfirmSuccess = Extract<ConfirmResult, { ok: true }>;

export interface ConfirmWindowOptions {
  /** Opens the window; default `window.open(url, 'flattr-confirm', 'popup,width=440,height=600')`. Call from a click handler. */
  open?: (url: string) => Window | null;
  /** Where `message` events arrive and whose origin the window reports to; default `window`. */
  host?: Pick<Window, 'addEventListener' | 'removeEventListener'> & { location: { origin: string } };
  /** How often to notice a window closed without an answer (ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Opens the confirm window on the service's origin (where the reader's
 * session is a first-party cookie) and waits for its `flattr:result`
 * message. Only a message from that window and the service's origin counts.
 */
export function confirmInWindow(
  baseUrl: string,
  input: { url: string; title?: string; creator?: string },
  options: ConfirmWindowOptions = {},
): Promise<ConfirmSuccess> {
  const host = options.host ?? (globalThis as unknown as NonNullable<ConfirmWindowOptions['host']>);
  const open = options.open ?? ((u: string) => globalThis.open(u, 'flattr-confirm', 'popup,width=440,height=600'));
  const serviceOrigin = new URL(baseUrl).origin;
  const query = new URLSearchParams({ url: input.url, title: input.title ?? '', creator: input.creator ?? '', origin: host.location.origin });
  const popup = open(`${baseUrl}/widget/confirm?${query}`);
  if (!popup) return Promise.reject(new FlattrError('The browser blocked the confirm window; open it from a click handler', { status: 0, code: 'popup_blocked' }));
  return new Promise<ConfirmSuccess>((resolve, reject) => {
    const finish = (error: FlattrError | undefined, result?: ConfirmSuccess) => {
      clearInterval(timer);
      host.removeEventListener('message', onMessage as EventListener);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(result!);
    };
    const onMessage = (event: MessageEvent) => {
      const data = event.data as ConfirmResult | undefined;
      if (event.origin !== serviceOrigin || event.source !== popup || data?.type !== 'flattr:result') return;
      if (data.ok) finish(undefined, data);
      else finish(new FlattrError(`${data.code}${data.detail ? `: ${data.detail}` : ''}`, { status: 0, code: data.code, detail: data.detail }));
    };
    const onAbort = () => {
      popup.close();
      finish(new FlattrError('The request was aborted', { status: 0, code: 'aborted', cause: options.signal?.reason }));
    };
    const timer = setInterval(() => {
      if (popup.closed) finish(new FlattrError('The confirm window was closed without flattring', { status: 0, code: 'popup_closed' }));
    }, options.pollMs ?? 300);
    host.addEventListener('message', onMessage as EventListener);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
