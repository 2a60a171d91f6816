import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProofServer {
  /** `http://127.0.0.1:<port>`: a site of its own (sites are host plus port). */
  origin: string;
  host: string;
  /** Path → answer; unknown paths answer 404. */
  pages: Map<string, { status?: number; body?: string; headers?: Record<string, string> }>;
  /** Requests received, as `METHOD path`. */
  requests: string[];
  close(): Promise<void>;
}

/** A stand-in web site on loopback for verification tests: serves `/.well-known/flattr` or a home page. */
export async function startProofServer(): Promise<ProofServer> {
  const pages: ProofServer['pages'] = new Map();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const page = pages.get(req.url ?? '');
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(page.status ?? 200, { 'content-type': 'text/plain', ...page.headers }).end(page.body ?? '');
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    pages,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
