/**
 * Flattr's old markup vocabulary, still found on many blogs:
 * `rev="flattr;uid:alice;button:compact;category:text;tags:a,b;language:en_GB;"` and `data-flattr-*`.
 */
export interface LegacyOptions {
  uid?: string;
  button?: string;
  category?: string;
  tags?: string;
  language?: string;
  url?: string;
  title?: string;
  hidden?: string;
  api?: string;
}

const KEYS = ['uid', 'button', 'category', 'tags', 'language', 'url', 'title', 'hidden', 'api'] as const;

/** Parses `flattr;uid:alice;button:compact;` (also accepts `=` as separator, as some generators wrote). */
export function parseRev(rev: string | null | undefined): LegacyOptions {
  const options: LegacyOptions = {};
  if (!rev) return options;
  for (const part of rev.split(';')) {
    const match = /^\s*([a-z]+)\s*[:=]\s*(.*?)\s*$/i.exec(part);
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    if ((KEYS as readonly string[]).includes(key)) options[key as keyof LegacyOptions] = match[2]!;
  }
  return options;
}

/** Reads `data-flattr-uid`, `data-flattr-button`, … from an element. */
export function readDataAttributes(el: Element): LegacyOptions {
  const options: LegacyOptions = {};
  for (const key of KEYS) {
    const value = el.getAttribute(`data-flattr-${key}`);
    if (value !== null) options[key] = value;
  }
  return options;
}

/**
 * The old vocabulary on a `<flattr-button>` itself: each `data-flattr-*` attribute becomes the modern one of the
 * same name (`-language` → `lang`, as a language tag; `-hidden` is not taken), unless that one is already there.
 */
export function adoptDataAttributes(el: Element): void {
  for (const key of KEYS) {
    const value = el.getAttribute(`data-flattr-${key}`);
    const name = key === 'language' ? 'lang' : key;
    if (value && key !== 'hidden' && !el.hasAttribute(name)) el.setAttribute(name, name === 'lang' ? toLangTag(value) : value);
  }
}

/** Old Flattr language codes are `en_GB`; HTML wants `en-GB`. */
export function toLangTag(language: string): string {
  return language.replace('_', '-');
}

/** Sets each attribute that has a value and that `el` does not have yet (explicit attributes win). */
export function setMissingAttributes(el: Element, attributes: Record<string, string | null | undefined | false>): void {
  for (const [name, value] of Object.entries(attributes)) if (value && !el.hasAttribute(name)) el.setAttribute(name, value);
}
