import type { Request, Response } from 'express';
import type { ServerContext } from '../context.js';
import { ForbiddenError } from '../errors/index.js';
import { readFirstPartyCookie, setFirstPartyCookie } from './cookies.js';
import { randomSecret, safeEqual } from './secrets.js';
import { sessionFromRequest } from './sessions.js';

/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';
/** Before login there is no session to bind to: a random cookie the form must echo (double submit). `__Host-flattr_csrf` on https. */
export const CSRF_COOKIE = 'flattr_csrf';

/**
 * The token to put in a form's hidden `_csrf` field. With a session it is the
 * session's synchronizer token; without one (login and signup forms) it is
 * the value of an HttpOnly `flattr_csrf` cookie, set here if missing. A page
 * on another origin can read neither, so it cannot forge the field.
 */
export async function csrfToken(ctx: ServerContext, req: Request, res: Response): Promise<string> {
  const session = await sessionFromRequest(ctx, req);
  if (session) return session.csrfToken;
  let token = readFirstPartyCookie(ctx, req, CSRF_COOKIE);
  if (!token || token.length < 32) {
    token = randomSecret();
    setFirstPartyCookie(ctx, res, CSRF_COOKIE, token);
  }
  return token;
}

/**
 * Throws 403 `csrf_failed` unless the form comes from the service's own pages:
 *
 * - a sent `Sec-Fetch-Site` says `same-origin` or `none` (a browser marks a
 *   post from a sibling subdomain `same-site`, from anywhere else `cross-site`);
 * - a sent `Origin` is the service's own;
 * - the submitted token (default: the `_csrf` body field) matches. With a
 *   session, only the session's synchronizer token counts. The pre-login
 *   double-submit cookie counts only without a session (login and signup
 *   forms): a page on a sibling origin can plant a cookie for this host
 *   (cookies ignore ports; on http there is no `__Host-` prefix), and it must
 *   not be able to act as a logged-in reader with it.
 */
export async function verifyCsrf(ctx: ServerContext, req: Request, submitted?: unknown): Promise<void> {
  refuseForeignRequest(ctx, req);
  const token = submitted ?? (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
  if (typeof token !== 'string' || token.length === 0) throw new ForbiddenError('The form has no CSRF token; reload the page and try again', 'csrf_failed');
  const session = await sessionFromRequest(ctx, req);
  const expected = session ? session.csrfToken : readFirstPartyCookie(ctx, req, CSRF_COOKIE);
  if (expected === undefined || expected.length < 32 || !safeEqual(token, expected)) {
    throw new ForbiddenError('The form\'s CSRF token is not valid for this browser; reload the page and try again', 'csrf_failed');
  }
}

/** Fetch metadata and `Origin`, where the browser sends them. */
function refuseForeignRequest(ctx: ServerContext, req: Request): void {
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    throw new ForbiddenError(`This form was posted from another site (Sec-Fetch-Site: ${site})`, 'csrf_failed');
  }
  const origin = req.get('origin');
  // Browsers send `Origin: null` for form POSTs from pages with `Referrer-Policy: no-referrer`
  // (ours say same-origin, but a browser or extension may still strip it): nothing to
  // compare then, so Sec-Fetch-Site and the token decide.
  if (origin && origin !== 'null' && origin !== new URL(ctx.config.publicUrl).origin) {
    throw new ForbiddenError('This form was posted from another site', 'csrf_failed');
  }
}
