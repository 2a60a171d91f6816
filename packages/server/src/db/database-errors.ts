import { MongoError, MongoNetworkError, MongoNotConnectedError, MongoOperationTimeoutError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/**
 * Server error codes that mean "no usable server right now" (the ones the driver itself treats as
 * retryable): a primary stepping down or shutting down, a node that is not primary, a timed-out link.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/**
 * Socket errors of Node itself. The driver 7 lets one through unwrapped when it writes a command on a
 * connection the database just closed (`EPIPE`, seen when the line is cut under load); the database is
 * the only peer a request handler talks to over a raw socket (site verification handles its own fetches).
 */
const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * Whether an error says the database cannot be reached (down, cut off, no primary, too slow to answer
 * within the configured timeouts), as opposed to a fault in the request or in our code. The HTTP
 * layer answers these with 503 `database_unavailable` and `Retry-After`, the CLI with exit code 5.
 * Follows `cause` a few levels: domain code may wrap the driver's error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof MongoNetworkError || current instanceof MongoServerSelectionError || current instanceof MongoOperationTimeoutError
      || current instanceof MongoTopologyClosedError || current instanceof MongoNotConnectedError) return true;
    // The pool was cleared under a checked-out operation (the driver does not export this class).
    if (current instanceof MongoError && (current.name === 'MongoPoolClearedError' || UNAVAILABLE_CODES.has(Number(current.code)))) return true;
    if (current instanceof Error && !(current instanceof MongoError) && SOCKET_ERRORS.has(String((current as NodeJS.ErrnoException).code))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
