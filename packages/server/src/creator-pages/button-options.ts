import { BUTTON_THEME_NAMES, type ButtonOptions, type ButtonTheme } from '../button-code/index.js';
import { isLang } from '../pages/index.js';

/** The generator's fields as the form sends them (GET: the page works without JavaScript). */
export interface ButtonQuery {
  url?: string;
  title?: string;
  size?: string;
  count?: string;
  buttonLang?: string;
  theme?: string;
}

/**
 * The generator's options from its form; anything missing or unknown takes
 * its default (large button with count, the reader's language, auto theme).
 * `fallbackUrl` when no URL was given: the creator's newest thing or site.
 */
export function buttonOptionsOf(query: ButtonQuery, fallbackUrl: string): ButtonOptions {
  const touched = query.size !== undefined;
  return {
    url: safeUrl(query.url) ?? fallbackUrl,
    title: (query.title ?? '').slice(0, 300),
    size: query.size === 'compact' ? 'compact' : 'large',
    // An unticked checkbox sends nothing: once the form was sent, no `count` means no count.
    showCount: touched ? query.count === '1' : true,
    lang: isLang(query.buttonLang) ? query.buttonLang : '',
    theme: BUTTON_THEME_NAMES.includes(query.theme as ButtonTheme) ? (query.theme as ButtonTheme) : 'auto',
  };
}

function safeUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href.slice(0, 2000) : undefined;
  } catch {
    return undefined;
  }
}
