export interface Click {
  /** Its place in the stream: click i is reader i mod R on the URL `…/i`, sent with the key `<run>-i`. */
  index: number;
  reader: number;
  url: string;
  key: string;
  sentAt: number;
  ms: number;
  /** The HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  /** The flattr's id from a 2xx answer. */
  flattrId?: string;
  code?: string;
  /** The problem's detail, for failure messages. */
  detail?: string;
  contentType?: string;
  retryAfter?: string;
  /** The RateLimit header (draft-ietf-httpapi-ratelimit-headers): which limiters counted this request. */
  rateLimit?: string;
  error?: string;
}

export interface ClickStream {
  clicks: Click[];
  /** Stops sending; resolves when the requests in flight have their answers. */
  stop(): Promise<Click[]>;
}

/**
 * A steady stream of first clicks (`POST /v1/flattrs`, each a new URL, each
 * with its own Idempotency-Key) from `workers` concurrent clients, as readers
 * on many pages would send them. Records every answer; never throws. The base
 * URL is asked for before each request, so a test can restart the server.
 */
export function startClickStream(options: {
  baseUrl: () => string;
  tokens: string[];
  run: string;
  workers?: number;
  /** A request without an answer after this long counts as unanswered (status 0). */
  timeoutMs?: number;
  /** Pause between one worker's requests. */
  pauseMs?: number;
}): ClickStream {
  const clicks: Click[] = [];
  let next = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      const index = next++;
      const reader = index % options.tokens.length;
      const click: Click = {
        index, reader, url: `https://stream-${options.run}.example/post/${index}`, key: `${options.run}-${index}`, sentAt: Date.now(), ms: 0, status: 0,
      };
      clicks.push(click);
      await sendClick(options.baseUrl(), options.tokens[reader]!, click, options.timeoutMs ?? 30_000);
      // Like a client, back off a little when the server did not answer at all (it is down or restarting).
      const pause = click.status === 0 ? Math.max(200, options.pauseMs ?? 0) : options.pauseMs;
      if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
  const workers = Array.from({ length: options.workers ?? 4 }, worker);
  return {
    clicks,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return clicks;
    },
  };
}

/** Sends (or re-sends, with the same key and body) one click and records its answer on it. */
export async function sendClick(baseUrl: string, token: string, click: Click, timeoutMs = 30_000): Promise<Click> {
  const started = Date.now();
  click.sentAt = started;
  try {
    const res = await fetch(`${baseUrl}/v1/flattrs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': click.key },
      body: JSON.stringify({ url: click.url, title: `Post ${click.index}` }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    click.status = res.status;
    click.contentType = res.headers.get('content-type') ?? undefined;
    click.retryAfter = res.headers.get('retry-after') ?? undefined;
    click.rateLimit = res.headers.get('ratelimit') ?? undefined;
    const body = /json/.test(click.contentType ?? '') && text ? JSON.parse(text) : undefined;
    if (res.ok) click.flattrId = body?.id;
    else {
      click.code = body?.code;
      click.detail = body?.detail;
    }
  } catch (error) {
    click.status = 0;
    click.error = (error as Error).cause ? String((error as { cause: { code?: string; message?: string } }).cause.code ?? (error as Error).cause) : (error as Error).name;
  }
  click.ms = Date.now() - started;
  return click;
}
