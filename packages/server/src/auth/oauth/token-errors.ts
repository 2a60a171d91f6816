import type { ErrorRequestHandler, Response } from 'express';
import { AppError } from '../../errors/index.js';
import { clientErrorOf } from '../../http/client-errors.js';
import { InvalidGrant } from './codes.js';

/** An RFC 6749 §5.2 error of the token endpoint: `{error, error_description}`. */
export class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
  }
}

const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/**
 * The token endpoint's errors are OAuth's JSON, not problem+json: OAuth
 * client libraries read `error`. This error middleware sits on
 * `/oauth/token` after the routes, so it also answers what fails before the
 * handler runs (body-parser: malformed JSON, fake gzip, too many fields, too
 * large; the body schema; the rate limiter). A client error of any kind is
 * `invalid_request` (400); too many requests is 429 `slow_down` (the code
 * RFC 8628 registered for "slow down", with `Retry-After`). Server faults
 * (5xx) are passed on to the problem+json handler, which logs them: RFC 6749
 * defines no token-endpoint error for them.
 */
export const oauthTokenErrorHandler: ErrorRequestHandler = (error, _req, res, next) => {
  const answer = oauthErrorOf(error);
  if (!answer || res.headersSent) return next(error);
  if (error instanceof AppError) res.set(error.headers);
  sendOAuthError(res, answer);
};

export function oauthErrorOf(error: unknown): OAuthError | undefined {
  if (error instanceof OAuthError) return error;
  if (error instanceof InvalidGrant) return new OAuthError(400, 'invalid_grant', error.message);
  const status = error instanceof AppError ? error.status : clientErrorOf(error)?.status;
  if (status === undefined || status >= 500) return undefined;
  const message = error instanceof AppError ? error.message : clientErrorOf(error)!.detail;
  if (status === 429) return new OAuthError(429, 'slow_down', message);
  return new OAuthError(400, 'invalid_request', message);
}

export function sendOAuthError(res: Response, error: OAuthError): void {
  res.status(error.status).set(noStore);
  if (error.status === 401) res.set('WWW-Authenticate', 'Basic realm="oauth"');
  res.json({ error: error.error, error_description: error.message });
}

/** The token response headers: never cached (RFC 6749 §5.1). */
export const TOKEN_RESPONSE_HEADERS = noStore;
