import type { Strings } from './strings.js';

export const es: Strings = {
  flattr: 'Flattr',
  flattred: 'Flattreado',
  logIn: 'Iniciar sesión',
  retry: 'Reintentar',
  labelFlattr: 'Flattrear {title}',
  labelFlattred: '{title} flattreado este mes',
  labelLogIn: 'Inicia sesión para flattrear {title}',
  labelRetry: 'No se pudo flattrear {title}. Reintentar',
  labelLoading: 'Flattrear {title} (cargando)',
  untitled: 'esta página',
  countOne: '{count} flattr',
  countOther: '{count} flattrs',
  popupBlocked: 'Ventana bloqueada: abrir Flattr en una pestaña nueva',
};
