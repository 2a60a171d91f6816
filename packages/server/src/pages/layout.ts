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
  /**
   * The service's navigation, language switcher and demo banner around the
   * content (the dashboards and public pages). Without it the page is the
   * small centred card of the login and confirm windows.
   */
  frame?: PageFrame;
  /**
   * Reloads the page after this many seconds, for browsers without
   * JavaScript (`<noscript><meta http-equiv="refresh">`): live progress that
   * a script replaces where it runs.
   */
  refreshSeconds?: number;
}

export interface PageFrame {
  /** Top navigation; built by page-request.ts from the session's roles. */
  nav: SafeHtml;
  /** Footer: language links and the like. */
  footer: SafeHtml;
  /** A banner above the content (demo mode). */
  banner?: SafeHtml;
  /** Text of the "skip to content" link. */
  skipLabel: string;
}

/** The HTML document of every server-rendered page: one stylesheet, no inline script or style. */
export function renderPage(options: PageOptions): string {
  const { frame } = options;
  const content = frame
    ? html`<a class="skip" href="#content">${frame.skipLabel}</a>
${frame.nav}
${frame.banner ?? ''}
<main id="content" tabindex="-1">
${options.body}
</main>
${frame.footer}`
    : html`<main>
<header class="brand">Flattr</header>
${options.body}
</main>`;
  return html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="color-scheme" content="light dark">
${options.refreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${options.refreshSeconds}"></noscript>\n` : ''}<title>${options.title} · Flattr</title>
<link rel="stylesheet" href="${PAGES_CSS_PATH}">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}${options.head ?? ''}
</head>
<body${frame ? html` class="wide"` : ''}>
${content}
</body>
</html>
`.value;
}
