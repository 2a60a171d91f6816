import type { Strings } from './strings.js';

export const fr: Strings = {
  flattr: 'Flattr',
  flattred: 'Flattré',
  logIn: 'Connexion',
  retry: 'Réessayer',
  labelFlattr: 'Flattrer {title}',
  labelFlattred: '{title} flattré ce mois-ci',
  labelLogIn: 'Se connecter pour flattrer {title}',
  labelRetry: 'Impossible de flattrer {title}. Réessayer',
  labelLoading: 'Flattrer {title} (chargement)',
  untitled: 'cette page',
  countOne: '{count} flattr',
  countOther: '{count} flattrs',
  popupBlocked: 'Fenêtre bloquée : ouvrir Flattr dans un nouvel onglet',
};
