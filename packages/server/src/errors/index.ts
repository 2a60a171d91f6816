/**
 * The one error hierarchy of the server. Domain code throws these; the HTTP
 * error middleware turns them into RFC 9457 problem+json. `code` is stable
 * and machine-readable: clients (the SDK) switch on it.
 */
export class AppError extends Error {
  override name = 'AppError';
  /** Response headers the answer must carry (e.g. `Retry-After` on 429). */
  headers: Record<string, string> = {};
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra members for the problem document (e.g. `errors`, `existing`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: Array<{ path: string; message: string }> = []) {
    super(400, 'validation_failed', message, { errors });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code = 'unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', code = 'not_found') {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', extra: Record<string, unknown> = {}) {
    super(409, code, message, extra);
  }
}

/** A rule of the domain refuses the request (e.g. flattring one's own thing). */
export class UnprocessableError extends AppError {
  constructor(message: string, code: string, extra: Record<string, unknown> = {}) {
    super(422, code, message, extra);
  }
}

/** 429: a rate limit (docs/security.md, "Rate limits"); carries `Retry-After` and the RateLimit fields. */
export class RateLimitedError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number, headers: Record<string, string> = {}) {
    super(429, 'rate_limited', message, { retryAfter: retryAfterSeconds });
    this.headers = { ...headers, 'Retry-After': String(retryAfterSeconds) };
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
