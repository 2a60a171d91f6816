import type { Request, Response } from 'express';
import type { ServerContext } from '../context.js';

/** Reads one cookie from the request by its exact name (no cookie middleware is installed: the API does not use cookies). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The name a first-party cookie goes by. On https it is `__Host-<name>`:
 * browsers store such a cookie only when it is Secure, has Path=/ and no
 * Domain, set by this exact origin, so a sibling subdomain or a page on
 * another port of the host can neither plant nor overwrite it. Plain http
 * (development, tests) cannot have the prefix and keeps the bare name.
 */
export function firstPartyCookieName(ctx: ServerContext, name: string): string {
  return isHttps(ctx) ? `__Host-${name}` : name;
}

/** Reads a first-party cookie under its (on https, prefixed) name: an unprefixed cookie of that name is ignored there. */
export function readFirstPartyCookie(ctx: ServerContext, req: Request, name: string): string | undefined {
  return readCookie(req, firstPartyCookieName(ctx, name));
}

/** First-party cookie attributes: HttpOnly, SameSite=Lax, Path=/, no Domain; Secure and `__Host-` when the service is served over https. */
export function setFirstPartyCookie(ctx: ServerContext, res: Response, name: string, value: string, maxAgeMs?: number): void {
  res.cookie(firstPartyCookieName(ctx, name), value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(ctx),
    path: '/',
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  });
}

export function clearFirstPartyCookie(ctx: ServerContext, res: Response, name: string): void {
  res.clearCookie(firstPartyCookieName(ctx, name), { httpOnly: true, sameSite: 'lax', secure: isHttps(ctx), path: '/' });
}

function isHttps(ctx: ServerContext): boolean {
  return ctx.config.publicUrl.startsWith('https:');
}
