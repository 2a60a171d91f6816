import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../errors/index.js';
import { stripeFailureOf } from '../stripe/errors.js';
import { clientErrorOf } from './client-errors.js';

export const PROBLEM_TYPE_BASE = 'https://flattr.dev/problems/';

/** The one error middleware: every failure leaves as RFC 9457 problem+json. */
export function problemHandler(log: (message: string, error: unknown) => void): ErrorRequestHandler {
  return (thrown, req, res, _next) => {
    // An upstream's failure (Stripe) becomes the AppError that names it; logged below all the same.
    const upstream = stripeFailureOf(thrown);
    const error: unknown = upstream ?? thrown;
    let status = 500;
    let code = 'internal_error';
    let detail = 'An unexpected error occurred';
    let extra: Record<string, unknown> = {};
    const clientError = clientErrorOf(error);
    if (error instanceof AppError) {
      ({ status, code } = error);
      detail = error.message;
      extra = error.extra;
      if (upstream) log(`Stripe failed on ${req.method} ${req.originalUrl}`, thrown);
    } else if (clientError) {
      // Express's and body-parser's errors with a 4xx status (bad escapes, bodies, aborted requests): the client's fault.
      ({ status, code, detail } = clientError);
    } else {
      log(`Unhandled error on ${req.method} ${req.originalUrl}`, error);
    }
    if (res.headersSent) return;
    if (status === 401) res.set('WWW-Authenticate', 'Bearer');
    if (error instanceof AppError) res.set(error.headers);
    res.status(status).type('application/problem+json').send(JSON.stringify({
      type: `${PROBLEM_TYPE_BASE}${code}`,
      title: titleFor(status),
      status,
      code,
      detail,
      instance: req.originalUrl,
      ...extra,
    }));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'route_not_found', `No route for ${req.method} ${req.path}`));
};

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
    409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
    429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
  };
  return titles[status] ?? 'Error';
}
