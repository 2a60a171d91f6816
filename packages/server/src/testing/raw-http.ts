import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 request written byte for byte on a fresh loopback connection
 * (`Connection: close`), for what `fetch` would clean up before sending: raw
 * bytes and bad percent-encodings in the path, a `Content-Encoding` the body
 * does not have, a malformed request line. Reads the answer to the end; a
 * request the server never answers fails after `timeoutMs`.
 */
export function rawRequest(baseUrl: string, request: {
  method: string;
  /** The request target exactly as sent (Buffer for bytes that are not UTF-8). */
  target: string | Buffer;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string> = { host: `${hostname}:${port}`, connection: 'close', ...request.headers };
  if (body) headers['content-length'] ??= String(body.length);
  const head = Buffer.concat([
    Buffer.from(`${request.method} `),
    Buffer.from(request.target),
    Buffer.from(` HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${request.timeoutMs ?? 10_000} ms to ${request.method} ${request.target.toString().slice(0, 100)}`));
    }, request.timeoutMs ?? 10_000);
    socket.on('connect', () => {
      socket.write(head);
      if (body) socket.write(body);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer and close before reading a whole body: what it sent still counts.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (chunks.length === 0) {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!match || end < 0) return reject(new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const responseHeaders: Record<string, string> = {};
      for (const line of text.slice(0, end).split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) responseHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let raw: Buffer = Buffer.from(text.slice(end + 4), 'latin1');
      if (/chunked/i.test(responseHeaders['transfer-encoding'] ?? '')) raw = dechunk(raw);
      resolve({ status: Number(match[1]), headers: responseHeaders, body: raw.toString('utf8') });
    });
  });
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
