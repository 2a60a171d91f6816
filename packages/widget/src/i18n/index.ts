import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import type { Strings } from './strings.js';
import { sv } from './sv.js';

export type { Strings } from './strings.js';

export const translations = { en, de, sv, fr, es } as const;
export type Language = keyof typeof translations;

/**
 * The language for `el`: its own or closest ancestor's `lang`, then the document's, then the browser's.
 * The first candidate with a translation wins (so `lang="de-AT"` gets German); English is the last resort.
 */
export function resolveLanguage(el: Element): Language {
  const candidates = [...declaredLanguages(el), ...(navigator.languages ?? []), navigator.language];
  for (const tag of candidates) {
    const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
    if (primary && primary in translations) return primary as Language;
  }
  return 'en';
}

/** `lang` of the element and its ancestors, nearest first, crossing shadow roots up to the document. */
function declaredLanguages(el: Element): string[] {
  const found: string[] = [];
  for (let node: Element | null = el; node; ) {
    const lang = node.getAttribute('lang');
    if (lang) found.push(lang);
    node = node.parentElement ?? ((node.getRootNode() as ShadowRoot).host || null);
  }
  return found;
}

export function stringsFor(language: Language): Strings {
  return translations[language];
}

/** Replaces `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

export function formatCount(language: Language, count: number): string {
  const strings = stringsFor(language);
  const form = new Intl.PluralRules(language).select(count) === 'one' ? strings.countOne : strings.countOther;
  return format(form, { count: new Intl.NumberFormat(language).format(count) });
}
