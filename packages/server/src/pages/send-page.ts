import type { Response } from 'express';

export interface PageSecurity {
  /** Extra `script-src` sources (e.g. `'self'` for the confirm window's result script). None by default. */
  scriptSrc?: string[];
  /**
   * Extra `form-action` sources. Browsers also check a form's redirect target
   * against it, so a form that redirects to another origin (OAuth consent →
   * the app's redirect_uri) must list that origin.
   */
  formAction?: string[];
  /** Extra `img-src` sources. */
  imgSrc?: string[];
  /** `connect-src` sources for a page's script (e.g. `'self'` to poll a status endpoint, or a button's counts). None by default. */
  connectSrc?: string[];
}

/**
 * The strict policy of the server's own pages: nothing loads but our one
 * stylesheet (and scripts a page asks for explicitly); forms post only to us;
 * no page can be framed (clickjacking a "Flattr" or "Allow" button).
 */
export function pageCsp(security: PageSecurity = {}): string {
  const directives = [
    "default-src 'none'",
    "style-src 'self'",
    `img-src 'self'${list(security.imgSrc)}`,
    `form-action 'self'${list(security.formAction)}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ];
  if (security.scriptSrc?.length) directives.push(`script-src${list(security.scriptSrc)}`);
  if (security.connectSrc?.length) directives.push(`connect-src${list(security.connectSrc)}`);
  return directives.join('; ');
}

/** Sends a rendered page with its security headers; pages are personal, so never cached. */
export function sendPage(res: Response, document: string, options: PageSecurity & { status?: number } = {}): void {
  res.status(options.status ?? 200)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': pageCsp(options),
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      // same-origin: our own form posts keep a real Origin header; other sites never see our URLs (codes, next=…).
      'Referrer-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    })
    .send(document);
}

function list(sources: string[] | undefined): string {
  return sources?.length ? ` ${sources.join(' ')}` : '';
}
