import type { Strings } from './strings.js';

export const en: Strings = {
  flattr: 'Flattr',
  flattred: 'Flattred',
  logIn: 'Log in',
  retry: 'Retry',
  labelFlattr: 'Flattr {title}',
  labelFlattred: 'Flattred {title} this month',
  labelLogIn: 'Log in to flattr {title}',
  labelRetry: 'Could not flattr {title}. Retry',
  labelLoading: 'Flattr {title} (loading)',
  untitled: 'this page',
  countOne: '{count} flattr',
  countOther: '{count} flattrs',
  popupBlocked: 'Pop-up blocked: open Flattr in a new tab',
};
