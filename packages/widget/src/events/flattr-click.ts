export interface FlattrClickDetail {
  url: string;
  title: string;
  creator: string;
  /** `site-token` when a stored one-click token will be used, `window` when the confirm window opens. */
  via: 'site-token' | 'window';
  /** `false` for synthetic clicks (`element.click()`, dispatched events): they can only open the window. */
  trusted: boolean;
}

/** Fired before anything happens; `preventDefault()` cancels the click. */
export type FlattrClickEvent = CustomEvent<FlattrClickDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'flattr-click': FlattrClickEvent;
  }
}
