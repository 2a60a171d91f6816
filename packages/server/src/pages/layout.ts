import { html, SafeHtml } from './html.js';
import { PAGES_CSS_PATH } from './styles.js';

export interface PageOptions {
  /** Plain text; escaped. */
  title: string;
  /** The page content: markup built with `html`…`` (or SafeHtml from `raw`). */
  body: SafeHtml;
  /** `lang` of the document. */
  lang?: string;
  /** Same-origin script URLs loaded with `defer` (pass the same origins to `sendPage`'s `scriptSrc`). */
  scripts?: string[];
  /** Extra markup for <head>, e.g. `<script type="application/json" id="…">` data blocks (not executed). */
  head?: SafeHtml;
}

/** The HTML document of every server-rendered page: one stylesheet, no inline script or style. */
export function renderPage(options: PageOptions): string {
  return html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title} · Flattr</title>
<link rel="stylesheet" href="${PAGES_CSS_PATH}">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}${options.head ?? ''}
</head>
<body>
<main>
<header class="brand">Flattr</header>
${options.body}
</main>
</body>
</html>
`.value;
}
