import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ensureGoTool, GO_TOOLS } from './go-tools.js';

/**
 * Toxiproxy (Shopify), a TCP proxy driven over HTTP: a test puts it between the server and the
 * database and cuts the line (`disable`: the listener closes and every open connection is reset)
 * or blackholes it (a `timeout` toxic: bytes stop, nothing closes), then restores it. Built once
 * with `go install` like the payments' peers (go-tools.ts).
 */
export const TOXIPROXY_VERSION = GO_TOOLS.toxiproxy.version;

/** Builds `toxiproxy-server` once into `~/.cache/flattr/bin` (≈ 10 s); returns its path. */
export function ensureToxiproxy(log: (line: string) => void = () => {}): Promise<string> {
  return ensureGoTool('toxiproxy', log);
}

export interface ToxiProxy {
  /** `host:port` the server should dial instead of the upstream. */
  listen: string;
  /** Cuts the line: the proxy stops listening and resets every open connection. */
  cut(): Promise<void>;
  /** Lets connections through again, on the same port. */
  restore(): Promise<void>;
  /** Keeps connections open but passes no byte any more (a dead peer, a dropped route), until `restore`. */
  blackhole(): Promise<void>;
  /** Delays every reply by `ms` (a slow link), until `restore`: makes a quick job last long enough to be cut inside. */
  slow(ms: number): Promise<void>;
}

export interface Toxiproxy {
  /** A proxy to `upstream` (`host:port`) on a free loopback port. */
  proxy(name: string, upstream: string): Promise<ToxiProxy>;
  stop(): Promise<void>;
}

/** Starts toxiproxy-server on a free loopback port (its API); `stop()` ends it. */
export async function startToxiproxy(log: (line: string) => void = () => {}): Promise<Toxiproxy> {
  const binary = await ensureToxiproxy(log);
  let child: ChildProcess | undefined;
  let api = '';
  for (let attempt = 0; attempt < 5 && !api; attempt += 1) {
    const port = await freePort();
    child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    if (await answers(`http://127.0.0.1:${port}/version`, child)) api = `http://127.0.0.1:${port}`;
    else {
      child.kill('SIGKILL');
      log(`toxiproxy-server on port ${port} did not answer: ${stderr}`);
    }
  }
  if (!api || !child) throw new Error('toxiproxy-server did not start');
  const server = child;
  const killOnExit = () => server.kill('SIGKILL');
  process.on('exit', killOnExit);

  const call = async (method: string, url: string, body?: unknown): Promise<any> => {
    const send = () => fetch(`${api}${url}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    // Toxiproxy closes idle keep-alive connections; a request that meets one closing is sent once more.
    const res = await send().catch(send);
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${url} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  return {
    async proxy(name, upstream) {
      const created = await call('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, enabled: true });
      const toxics = () => call('GET', `/proxies/${name}/toxics`) as Promise<Array<{ name: string }>>;
      return {
        listen: created.listen as string,
        cut: async () => { await call('POST', `/proxies/${name}`, { enabled: false }); },
        blackhole: async () => { await call('POST', `/proxies/${name}/toxics`, { name: 'blackhole', type: 'timeout', attributes: { timeout: 0 } }); },
        slow: async (ms) => { await call('POST', `/proxies/${name}/toxics`, { name: 'latency', type: 'latency', attributes: { latency: ms } }); },
        restore: async () => {
          for (const toxic of await toxics()) await call('DELETE', `/proxies/${name}/toxics/${toxic.name}`);
          await call('POST', `/proxies/${name}`, { enabled: true });
        },
      };
    },
    async stop() {
      process.off('exit', killOnExit);
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

async function answers(url: string, child: ChildProcess, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
