import { snippetsFor, type BadgeTheme, type Snippets } from '../badges/index.js';
import { escapeHtml } from '../pages/index.js';
import { themeStyle, type ButtonTheme } from './themes.js';

export type ButtonSize = 'compact' | 'large';

/** What the creator picks in the generator. */
export interface ButtonOptions {
  /** The thing's URL (a page on the creator's site). */
  url: string;
  title: string;
  size: ButtonSize;
  showCount: boolean;
  /** A language of the widget, or '' for the reader's own. */
  lang: string;
  theme: ButtonTheme;
}

/** Where the snippets point: the service's public origin and its script URL. */
export interface ServiceUrls {
  publicUrl: string;
  /** `/widget/flattr.js` (latest) on the service. */
  scriptUrl: string;
}

export interface Snippet {
  id: string;
  code: string;
}

/**
 * One way of putting a button on a page. The generator shows every format in
 * `BUTTON_SNIPPET_FORMATS`, in order: a new format is one more entry here
 * (and its `creator.code.format.<id>` label), nothing else.
 */
export interface SnippetFormat {
  id: string;
  render(options: ButtonOptions, urls: ServiceUrls): string;
}

/**
 * The no-JavaScript forms for these options, from the one function that makes
 * them (`snippetsFor`, src/badges): the plain Flattr link (`/flattr?url=…`,
 * the full-page confirm that comes back to the page) and the count badge
 * linked to the thing's public page. The badge takes the button's colours
 * where it has them (light, dark, auto); the classic theme's badge is light.
 */
function noScript(options: ButtonOptions, urls: ServiceUrls): Snippets {
  const theme: BadgeTheme = options.theme === 'dark' || options.theme === 'auto' ? options.theme : 'light';
  return snippetsFor(urls.publicUrl, { url: options.url, title: options.title || undefined }, { theme });
}

function elementMarkup(options: ButtonOptions, urls: ServiceUrls): string {
  const attributes = [
    `url="${escapeHtml(options.url)}"`,
    options.title ? `title="${escapeHtml(options.title)}"` : '',
    `size="${options.size}"`,
    options.showCount ? 'show-count' : '',
    options.lang ? `lang="${escapeHtml(options.lang)}"` : '',
    options.theme !== 'auto' ? `style="${themeStyle(options.theme)}"` : '',
  ].filter(Boolean).join(' ');
  // The plain link inside shows where JavaScript does not run (the element is then unknown markup).
  return `<flattr-button ${attributes}>${noScript(options, urls).linkHtml}</flattr-button>`;
}

export const BUTTON_SNIPPET_FORMATS: readonly SnippetFormat[] = [
  {
    id: 'script',
    render: (options, urls) => `<script async src="${escapeHtml(urls.scriptUrl)}" data-api="${escapeHtml(urls.publicUrl)}"></script>\n${elementMarkup(options, urls)}`,
  },
  { id: 'element', render: elementMarkup },
  {
    // The WordPress plugin of examples/cms-plugin: its [flattr] shortcode (colours follow the page's scheme).
    id: 'wordpress',
    render: (options) => {
      const attribute = (name: string, value: string) => `${name}="${value.replace(/["\]\[]/g, '')}"`;
      return `[flattr ${[
        attribute('url', options.url),
        options.title ? attribute('title', options.title) : '',
        attribute('size', options.size),
        attribute('count', options.showCount ? 'yes' : 'no'),
        options.lang ? attribute('lang', options.lang) : '',
      ].filter(Boolean).join(' ')}]`;
    },
  },
  // Where no script runs (e-mail, feeds, READMEs, forums): the plain link, and the count badge with its link.
  { id: 'link', render: (options, urls) => noScript(options, urls).linkHtml! },
  { id: 'link-markdown', render: (options, urls) => noScript(options, urls).linkMarkdown! },
  { id: 'badge-markdown', render: (options, urls) => noScript(options, urls).markdown },
  { id: 'badge-html', render: (options, urls) => noScript(options, urls).html },
];

/** Every snippet for `options`, in the order of `formats`. */
export function buttonSnippets(options: ButtonOptions, urls: ServiceUrls, formats: readonly SnippetFormat[] = BUTTON_SNIPPET_FORMATS): Snippet[] {
  return formats.map((format) => ({ id: format.id, code: format.render(options, urls) }));
}
