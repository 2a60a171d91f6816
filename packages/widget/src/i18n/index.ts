import { enAtLoad } from './en.js';
import type { Strings } from './strings.js';

export type { Strings } from './strings.js';

/** Every language the button speaks. */
export const LANGUAGES = ['en', 'de', 'sv', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

// English is always here. The script tag (`dist/flattr.js`) bundles only English and fetches another
// language's strings from the service the first time a button needs them (`loadStrings`), so a page in
// English downloads no strings it does not show; the ES module entry registers all five up front
// (`translations.ts`). Of English, the script tag bundles what a button shows before a click ends; the click
// flow adds the rest to this same object (`completeEnglish`) before anything shows it.
const known: Partial<Record<Language, Strings>> = { en: enAtLoad as Strings };
const loading: Partial<Record<Language, Promise<void>>> = {};

export function addStrings(language: Language, strings: Strings): void {
  known[language] = strings;
}

/** The strings of `language` when they are here (English always is), else undefined. */
export function stringsFor(language: Language): Strings | undefined {
  return known[language];
}

/**
 * Fetches `GET {apiOrigin}/widget/i18n/{language}.json` once per page and language (every button shares the
 * request). Resolves when done; on failure the language stays missing and buttons keep speaking English.
 */
export function loadStrings(language: Language, apiOrigin: string): Promise<void> {
  return (loading[language] ??= fetch(`${apiOrigin}/widget/i18n/${language}.json`)
    .then((response) => (response.ok ? response.json() : null))
    .then((strings: Strings | null) => void (strings && addStrings(language, strings)), () => {}));
}

/**
 * The language for `el`: its own or closest ancestor's `lang` (crossing shadow roots up to the document), then the
 * browser's. The first candidate with a translation wins (so `lang="de-AT"` gets German); English is the last resort.
 */
export function resolveLanguage(el: Element): Language {
  const declared: (string | null)[] = [];
  for (let node: Element | undefined = el; node; node = node.parentElement ?? (node.getRootNode() as ShadowRoot).host) {
    declared.push(node.getAttribute('lang'));
  }
  for (const tag of [...declared, ...(navigator.languages ?? []), navigator.language]) {
    const primary = tag?.trim().toLowerCase().split(/[-_]/)[0] as Language;
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'en';
}

/** Puts `value` in place of `{name}` in `template` (as is: no `$&` patterns, unlike a string replacement). */
export function fill(template: string, name: string, value: string): string {
  return template.replace(`{${name}}`, () => value);
}

/** "12 flattrs" in `language` (whose strings must be here). */
export function formatCount(language: Language, count: number): string {
  const strings = known[language] ?? enAtLoad;
  const form = new Intl.PluralRules(language).select(count) === 'one' ? strings.countOne : strings.countOther;
  return fill(form, 'count', new Intl.NumberFormat(language).format(count));
}
