import type { Strings } from './strings.js';

/** What a button can show before a click ends: the script tag bundles only these. */
export const enAtLoad = {
  flattr: 'Flattr',
  flattred: 'Flattred',
  retry: 'Retry',
  labelFlattr: 'Flattr {title}',
  labelFlattred: 'Flattred {title} this month',
  labelRetry: 'Could not flattr {title}. Retry',
  labelLoading: 'Flattr {title} (loading)',
  untitled: 'this page',
  countOne: '{count} flattr',
  countOther: '{count} flattrs',
};

/** What only the end of a click shows (log in, the blocked window's link): it comes with the click flow. */
export const enAfterClick = {
  logIn: 'Log in',
  labelLogIn: 'Log in to flattr {title}',
  popupBlocked: 'Pop-up blocked: open Flattr in a new tab',
};

export const en: Strings = { ...enAtLoad, ...enAfterClick };
