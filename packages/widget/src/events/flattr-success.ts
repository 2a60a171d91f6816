export interface FlattrSuccessDetail {
  url: string;
  thingId: string | null;
  /** The thing's flattr count after this flattr. */
  count: number;
  /** `YYYY-MM`: the month the flattr counts for. */
  period: string;
  flattrId: string | null;
  /** `site-token` for a one-click flattr, `window` when confirmed in the confirm window. */
  via: 'site-token' | 'window';
}

/** The flattr was recorded. */
export type FlattrSuccessEvent = CustomEvent<FlattrSuccessDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'flattr-success': FlattrSuccessEvent;
  }
}
