import type { Strings } from './strings.js';

export const sv: Strings = {
  flattr: 'Flattra',
  flattred: 'Flattrad',
  logIn: 'Logga in',
  retry: 'Försök igen',
  labelFlattr: 'Flattra {title}',
  labelFlattred: 'Flattrade {title} den här månaden',
  labelLogIn: 'Logga in för att flattra {title}',
  labelRetry: 'Kunde inte flattra {title}. Försök igen',
  labelLoading: 'Flattra {title} (laddar)',
  untitled: 'den här sidan',
  countOne: '{count} flattr',
  countOther: '{count} flattrar',
  popupBlocked: 'Popup-fönster blockerat: öppna Flattr i en ny flik',
};
