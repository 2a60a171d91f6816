import type { Strings } from './strings.js';

export const de: Strings = {
  flattr: 'Flattr',
  flattred: 'Geflattrt',
  logIn: 'Anmelden',
  retry: 'Erneut',
  labelFlattr: '{title} flattrn',
  labelFlattred: '{title} diesen Monat geflattrt',
  labelLogIn: 'Anmelden, um {title} zu flattrn',
  labelRetry: '{title} konnte nicht geflattrt werden. Erneut versuchen',
  labelLoading: '{title} flattrn (lädt)',
  untitled: 'diese Seite',
  countOne: '{count} Flattr',
  countOther: '{count} Flattrs',
  popupBlocked: 'Pop-up blockiert: Flattr in neuem Tab öffnen',
};
