import { WIDGET_LANGUAGES } from '../../widget/serve-translations.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import type { MailStrings } from './strings.js';
import { sv } from './sv.js';

export type { MailStrings } from './strings.js';

/** Emails speak the widget's languages (packages/widget/src/i18n); a test keeps the two lists equal. */
export const MAIL_LANGUAGES = WIDGET_LANGUAGES;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

export const MAIL_STRINGS: Record<MailLanguage, MailStrings> = { en, de, sv, fr, es };

export function isMailLanguage(value: unknown): value is MailLanguage {
  return typeof value === 'string' && (MAIL_LANGUAGES as readonly string[]).includes(value);
}

/** The first language of an `Accept-Language` header that emails speak (`de-AT` → `de`), else English. */
export function languageFromHeader(header: string | undefined): MailLanguage {
  const ranked = (header ?? '').split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { primary: (tag ?? '').trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (ranked.find((x) => isMailLanguage(x.primary))?.primary as MailLanguage | undefined) ?? 'en';
}
