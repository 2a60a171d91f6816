import { FlattrError } from '../errors.js';
import { confirmUrl, openConfirmWindow, waitForConfirmResult, type ConfirmSuccess, type MessageHost } from '../confirm-window.js';

export type { ConfirmResult, ConfirmSuccess } from '../confirm-window.js';

export interface ConfirmWindowOptions {
  /** Opens the window; default `window.open(url, 'flattr-confirm', 'popup,width=440,height=600')`. Call from a click handler. */
  open?: (url: string) => Window | null;
  /** Where `message` events arrive and whose origin the window reports to; default `window`. */
  host?: MessageHost & { location: { origin: string } };
  /** How often to notice a window closed without an answer (ms); default the shared `CLOSED_POLL_MS`. */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * For apps: opens the confirm window on the service's origin (where the
 * reader's session is a first-party cookie) and waits for its result, with
 * the one implementation the widget uses (`waitForConfirmResult`); what is
 * not a success becomes a FlattrError (`popup_blocked`, `popup_closed`,
 * `aborted`, or the window's own code).
 */
export async function confirmInWindow(
  baseUrl: string,
  input: { url: string; title?: string; creator?: string },
  options: ConfirmWindowOptions = {},
): Promise<ConfirmSuccess> {
  const host = options.host ?? (globalThis as unknown as NonNullable<ConfirmWindowOptions['host']>);
  const popup = (options.open ?? openConfirmWindow)(confirmUrl(baseUrl, input, host.location.origin));
  if (!popup) throw new FlattrError('The browser blocked the confirm window; open it from a click handler', { status: 0, code: 'popup_blocked' });
  const result = await waitForConfirmResult(popup, new URL(baseUrl).origin, { host, signal: options.signal, pollMs: options.pollMs });
  if (options.signal?.aborted) {
    popup.close();
    throw new FlattrError('The request was aborted', { status: 0, code: 'aborted', cause: options.signal.reason });
  }
  if (!result) throw new FlattrError('The confirm window was closed without flattring', { status: 0, code: 'popup_closed' });
  if (!result.ok) throw new FlattrError(`${result.code}${result.detail ? `: ${result.detail}` : ''}`, { status: 0, code: result.code, detail: result.detail });
  return result;
}
