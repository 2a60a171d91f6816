/** Every user-visible string of the button. `{title}` and `{count}` are replaced at render time. */
export interface Strings {
  /** Visible text of the button in the ready state. */
  flattr: string;
  /** Visible text once the reader flattred the thing this month. */
  flattred: string;
  /** Visible text when the reader has to log in in the confirm window first. */
  logIn: string;
  /** Visible text in the error state. */
  retry: string;
  /** Accessible name of the button, naming the thing. */
  labelFlattr: string;
  labelFlattred: string;
  labelLogIn: string;
  labelRetry: string;
  labelLoading: string;
  /** Used when the thing has no title. */
  untitled: string;
  /** Count announcements (plural forms picked by Intl.PluralRules: `one` or `other`). */
  countOne: string;
  countOther: string;
  /** Link offered when the browser blocked the confirm window. */
  popupBlocked: string;
}
