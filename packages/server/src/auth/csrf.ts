import type { Request, Response } from 'express';
import type { ServerContext } from '../context.js';
import { ForbiddenError } from '../errors/index.js';
import { readCookie, setFirstPartyCookie } from './cookies.js';
import { randomSecret, safeEqual } from './secrets.js';
import { sessionFromRequest } from './sessions.js';

/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';
/** Before login there is no session to bind to: a random cookie the form must echo (double submit). */
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
  let token = readCookie(req, CSRF_COOKIE);
  if (!token || token.length < 32) {
    token = randomSecret();
    setFirstPartyCookie(ctx, res, CSRF_COOKIE, token);
  }
  return token;
}

/**
 * Throws 403 `csrf_failed` unless the submitted token (default: the `_csrf`
 * body field) matches this browser's session token or CSRF cookie, and a sent
 * `Origin` header is the service's own.
 */
export async function verifyCsrf(ctx: ServerContext, req: Request, submitted?: unknown): Promise<void> {
  const token = submitted ?? (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
  const origin = req.get('origin');
  // Browsers send `Origin: null` for form POSTs from pages with `Referrer-Policy: no-referrer`
  // (ours now say same-origin, but a browser or extension may still strip it): nothing to
  // compare then, so the token alone decides.
  if (origin && origin !== 'null' && origin !== new URL(ctx.config.publicUrl).origin) {
    throw new ForbiddenError('This form was posted from another site', 'csrf_failed');
  }
  if (typeof token !== 'string' || token.length === 0) throw new ForbiddenError('The form has no CSRF token; reload the page and try again', 'csrf_failed');
  const session = await sessionFromRequest(ctx, req);
  const cookie = readCookie(req, CSRF_COOKIE);
  const matches = (session && safeEqual(token, session.csrfToken)) || (cookie !== undefined && cookie.length >= 32 && safeEqual(token, cookie));
  if (!matches) throw new ForbiddenError('The form\'s CSRF token is not valid for this browser; reload the page and try again', 'csrf_failed');
}
