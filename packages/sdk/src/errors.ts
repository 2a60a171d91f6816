/** What was sent, for debugging; the `Authorization` header is always redacted. */
export interface FlattrRequestInfo {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface FlattrErrorInit {
  status: number;
  code: string;
  detail?: string;
  retryAfter?: number;
  request?: FlattrRequestInfo;
  /** The whole RFC 9457 problem document the server sent, with any extra members (`errors`, …). */
  problem?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error the SDK throws. `status` is the HTTP status, or 0 when no
 * response arrived; `code` is the server's stable problem `code`, or one of
 * `network_error`, `timeout`, `aborted`, `invalid_response` for failures on
 * the client's side. Switch on `code`, not on `message`.
 */
export class FlattrError extends Error {
  override readonly name = 'FlattrError' as const;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  /** Seconds the server asked to wait (`Retry-After`), when it said so. */
  readonly retryAfter?: number;
  readonly request?: FlattrRequestInfo;
  readonly problem?: Record<string, unknown>;

  constructor(message: string, init: FlattrErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.retryAfter = init.retryAfter;
    this.request = init.request;
    this.problem = init.problem;
  }
}

/** `Retry-After` as seconds (it may be delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Turns a non-2xx response into a FlattrError, reading the problem document when there is one. */
export async function errorFromResponse(response: Response, request?: FlattrRequestInfo): Promise<FlattrError> {
  let problem: Record<string, unknown> | undefined;
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object') problem = body as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status says enough.
  }
  // RFC 9457 problems carry `code`/`detail`; the OAuth token endpoint answers RFC 6749 `error`/`error_description`.
  const code = typeof problem?.code === 'string' ? problem.code : typeof problem?.error === 'string' ? problem.error : `http_${response.status}`;
  const detail = typeof problem?.detail === 'string' ? problem.detail
    : typeof problem?.error_description === 'string' ? problem.error_description : undefined;
  return new FlattrError(`${response.status} ${code}${detail ? `: ${detail}` : ''}`, {
    status: response.status,
    code,
    detail,
    retryAfter: parseRetryAfter(response.headers.get('retry-after')),
    request,
    problem,
  });
}
