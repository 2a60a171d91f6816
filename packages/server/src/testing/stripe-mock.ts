import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureGoTool } from './go-tools.js';

/** One request the server sent to Stripe (through the recorder), with stripe-mock's answer. */
export interface RecordedStripeCall {
  method: string;
  path: string;
  /** The form-encoded request body, decoded (`line_items[0][price_data][unit_amount]` → value). */
  params: Record<string, string>;
  idempotencyKey: string | undefined;
  status: number;
  response: any;
}

export interface StripeMock {
  /** What the server's STRIPE_API_BASE should be: the recorder in front of stripe-mock. */
  url: string;
  /** Every call, in order. */
  calls: RecordedStripeCall[];
  /** The next answer to `method path` comes from here instead of stripe-mock (e.g. a Stripe error it cannot produce). */
  failNext(method: string, pathPrefix: string, status: number, error: { type: string; code?: string; message: string }): void;
  stop(): Promise<void>;
}

/**
 * Stripe's own mock server (stateless: it validates each request against
 * Stripe's OpenAPI spec and answers with fixtures, echoing some parameters)
 * on a port the system chose, behind a small recording proxy on loopback so
 * a test can compare what the server asked Stripe for with its journal.
 */
export async function startStripeMock(): Promise<StripeMock> {
  const binary = await ensureGoTool('stripe-mock', (line) => console.error(`[stripe-mock] ${line}`));
  const child = spawn(binary, ['-http-addr', '127.0.0.1:', '-https-addr', '127.0.0.1:'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const upstream = await listeningAddress(child);
  const calls: RecordedStripeCall[] = [];
  const failures: Array<{ method: string; pathPrefix: string; status: number; body: string }> = [];
  const proxy: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record = (status: number, text: string) => {
        let response: unknown = text;
        try { response = JSON.parse(text); } catch { /* not JSON */ }
        calls.push({
          method: req.method!, path: req.url!, params: Object.fromEntries(new URLSearchParams(body.toString())),
          idempotencyKey: header(req, 'idempotency-key'), status, response,
        });
      };
      const failure = failures.findIndex((f) => f.method === req.method && req.url!.startsWith(f.pathPrefix));
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        record(f!.status, f!.body);
        res.writeHead(f!.status, { 'content-type': 'application/json', 'request-id': 'req_recorded_failure' }).end(f!.body);
        return;
      }
      const forward = httpRequest({ host: upstream.address, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(parts).toString();
          record(answer.statusCode ?? 0, text);
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
        });
      });
      forward.on('error', (error) => res.writeHead(502).end(String(error)));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNext(method, pathPrefix, status, error) {
      failures.push({ method, pathPrefix, status, body: JSON.stringify({ error }) });
    },
    async stop() {
      await new Promise<void>((resolve) => { proxy.close(() => resolve()); proxy.closeAllConnections(); });
      await stopChild(child);
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** stripe-mock prints `Listening for HTTP at address: 127.0.0.1:PORT` once it is ready. */
function listeningAddress(child: ChildProcess): Promise<{ address: string; port: number }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`stripe-mock did not start in 30 s: ${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening for HTTP at address: ([\d.]+):(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ address: match[1]!, port: Number(match[2]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`stripe-mock exited (${code}): ${output}`)));
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}
