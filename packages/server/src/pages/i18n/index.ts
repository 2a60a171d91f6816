import type { Request, Response } from 'express';
import type { ServerContext } from '../../context.js';
import { readCookie, setFirstPartyCookie } from '../../auth/cookies.js';
import { WIDGET_LANGUAGES } from '../../widget/serve-translations.js';
import { escapeHtml, html, SafeHtml } from '../html.js';
import { de } from './de.js';
import { en, type MessageKey, type Messages } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { sv } from './sv.js';

export type { MessageKey, Messages } from './en.js';

/** The pages speak the widget's languages (packages/widget/src/i18n): one list for both. */
export const PAGE_LANGUAGES = WIDGET_LANGUAGES;
export type Lang = (typeof PAGE_LANGUAGES)[number];

/** Each language's own name, for the language switcher. */
export const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', de: 'Deutsch', sv: 'Svenska', fr: 'Français', es: 'Español' };

const CATALOGS: Record<Lang, Messages> = { en, de, sv, fr, es };
export const LANG_COOKIE = 'flattr_lang';
const YEAR_MS = 365 * 86_400_000;

type Params = Record<string, string | number | SafeHtml>;

/** Looks up page strings in one language; `{name}` placeholders are filled from `params`. */
export interface Translate {
  /** Plain text (escaped later, when it is put into markup). */
  (key: MessageKey, params?: Record<string, string | number>): string;
  /** Markup: the message is escaped, SafeHtml params (e.g. `<strong>`) are kept as markup. */
  html(key: MessageKey, params?: Params): SafeHtml;
  readonly lang: Lang;
}

export function translator(lang: Lang): Translate {
  const catalog = CATALOGS[lang];
  const fill = (key: MessageKey, params: Params | undefined, escape: (value: Params[string]) => string) =>
    catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => (params && name in params ? escape(params[name]!) : whole));
  const t = ((key: MessageKey, params?: Record<string, string | number>) => fill(key, params, String)) as Translate;
  t.html = (key, params) => {
    const escapedTemplate = escapeHtml(catalog[key]);
    return new SafeHtml(escapedTemplate.replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!params || !(name in params)) return whole;
      return html`${params[name]}`.value;
    }));
  };
  Object.defineProperty(t, 'lang', { value: lang });
  return t;
}

/** Is `key` a page string? (for keys built from data, e.g. a payment provider's name) */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (PAGE_LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language of a page: `?lang=` (remembered in a cookie, so the choice
 * follows the reader from page to page), then that cookie, then the
 * browser's Accept-Language, then English.
 */
export function pageLanguage(ctx: ServerContext, req: Request, res: Response): Lang {
  const asked = req.query?.lang;
  if (isLang(asked)) {
    if (readCookie(req, LANG_COOKIE) !== asked) setFirstPartyCookie(ctx, res, LANG_COOKIE, asked, YEAR_MS);
    return asked;
  }
  const remembered = readCookie(req, LANG_COOKIE);
  if (isLang(remembered)) return remembered;
  return languageFromAcceptLanguage(req.get('accept-language')) ?? 'en';
}

/** The first language of `Accept-Language` (by q-value, then order) that the pages speak; `de-AT` counts as `de`. */
export function languageFromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const ranges = header.split(',').map((part, index) => {
    const [tag = '', ...attributes] = part.trim().split(';');
    const q = attributes.map((a) => /^\s*q=([0-9.]+)\s*$/.exec(a)?.[1]).find((v) => v !== undefined);
    return { primary: tag.trim().toLowerCase().split('-')[0]!, q: q === undefined ? 1 : Number(q), index };
  });
  ranges.sort((a, b) => b.q - a.q || a.index - b.index);
  return ranges.find((r) => r.q > 0 && isLang(r.primary))?.primary as Lang | undefined;
}
