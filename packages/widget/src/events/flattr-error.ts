export type FlattrErrorCode =
  | 'popup_blocked'
  | 'window_closed'
  | 'counts_failed'
  | 'missing_api'
  | (string & {}); // the server's problem+json `code`, e.g. `insufficient_funds`, `own_thing`

export interface FlattrErrorDetail {
  code: FlattrErrorCode;
  message: string;
  /** HTTP status when the error came from the API, 0 for network failures, absent otherwise. */
  status?: number;
  /** For `popup_blocked`: a link the page may show that opens the confirm page in a tab. */
  fallbackUrl?: string;
}

/** Something failed: counts could not be loaded, the window was blocked, or the flattr was refused. */
export type FlattrErrorEvent = CustomEvent<FlattrErrorDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'flattr-error': FlattrErrorEvent;
  }
}
