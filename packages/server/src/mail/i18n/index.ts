import { WIDGET_LANGUAGES } from '../../widget/serve-translations.js';
import { languageFromAcceptLanguage } from '../../pages/i18n/index.js';
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

/** The first language of an `Accept-Language` header that emails speak (`de-AT` → `de`), else English: the pages' rule, as the two speak the same languages. */
export function languageFromHeader(header: string | undefined): MailLanguage {
  return languageFromAcceptLanguage(header) ?? 'en';
}
