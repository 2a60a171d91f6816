/**
 * Errors raised by the layers under the routes (Express's router, body-parser,
 * raw-body, zlib behind them) carry an HTTP status in `status`/`statusCode`
 * (the http-errors convention) and often a `type`. Any such error with a 4xx
 * status is the client's fault: it is answered with that status and a stable
 * code, never as a 500, and never logged as an unhandled error.
 */
export interface ClientErrorAnswer {
  status: number;
  code: string;
  detail: string;
}

/** Known `type`s (body-parser, raw-body) → a stable code and a message that names the problem. */
const BY_TYPE: Record<string, { code: string; detail?: string }> = {
  'entity.parse.failed': { code: 'malformed_json', detail: 'The request body is not valid JSON' },
  'entity.too.large': { code: 'body_too_large', detail: 'The request body is too large' },
  'encoding.unsupported': { code: 'unsupported_encoding', detail: 'Unsupported content encoding' },
  'charset.unsupported': { code: 'unsupported_charset', detail: 'Unsupported charset' },
  'parameters.too.many': { code: 'too_many_parameters', detail: 'The form has too many fields' },
  'querystring.parse.rangeError': { code: 'too_many_parameters', detail: 'The form is nested too deeply' },
  'request.size.invalid': { code: 'body_length_mismatch', detail: 'The request body is not as long as its Content-Length says' },
  'request.aborted': { code: 'request_aborted', detail: 'The client closed the connection before the body was complete' },
  'entity.verify.failed': { code: 'body_refused', detail: 'The request body was refused' },
};

/** For a 4xx error of no known type: a code by status. */
const BY_STATUS: Record<number, string> = {
  400: 'bad_request', 404: 'not_found', 405: 'method_not_allowed', 408: 'request_timeout', 411: 'length_required',
  413: 'body_too_large', 414: 'uri_too_long', 415: 'unsupported_media_type', 431: 'headers_too_large',
};

/** The answer to an error that carries a 4xx status, or undefined for anything else (a server fault). */
export function clientErrorOf(error: unknown): ClientErrorAnswer | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; type?: unknown; code?: unknown; message?: unknown; expose?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || !Number.isInteger(status) || status < 400 || status > 499) return undefined;
  const known = typeof e.type === 'string' ? BY_TYPE[e.type] : undefined;
  if (known) return { status, code: known.code, detail: known.detail ?? String(e.message) };
  // The router could not percent-decode a path parameter (`/v1/things/%FF%FE`).
  if (error instanceof URIError) return { status, code: 'malformed_path', detail: 'The URL path has an invalid percent-encoding' };
  // zlib behind body-parser: `Content-Encoding: gzip|deflate` (Z_…) or `br` (ERR__ERROR_…) on a body that is not.
  if (typeof e.code === 'string' && (e.code.startsWith('Z_') || e.code.startsWith('ERR__ERROR_'))) {
    return { status, code: 'malformed_body', detail: 'The request body is not encoded as its Content-Encoding says' };
  }
  return {
    status,
    code: BY_STATUS[status] ?? `http_${status}`,
    detail: e.expose === true && typeof e.message === 'string' ? e.message : 'The request cannot be processed',
  };
}
