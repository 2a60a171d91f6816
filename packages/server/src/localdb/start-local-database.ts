import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { ensureFerretDb } from './ferretdb-binary.js';

export interface LocalDatabase {
  /** A MongoDB connection string without a database name. */
  uri: string;
  /** Which database answers: an external URI, a local mongod, or FerretDB. */
  kind: 'external' | 'mongod' | 'ferretdb';
  /** Stops the process (if we started one) and removes its data folder. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Gives the server and the tests a MongoDB to talk to:
 * `MONGODB_URI` when set; else a `mongod` on PATH; else FerretDB 1.24 (SQLite),
 * each on a free loopback port with a data folder of its own, stopped on exit.
 */
export async function startLocalDatabase(
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<LocalDatabase> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  if (env.MONGODB_URI) {
    return { uri: env.MONGODB_URI, kind: 'external', stop: async () => {} };
  }

  const dataDir = await mkdtemp(path.join(tmpdir(), 'flattr-db-'));
  const port = await freePort();
  const mongod = onPath('mongod');
  let child: ChildProcess;
  let kind: LocalDatabase['kind'];
  if (mongod) {
    kind = 'mongod';
    child = spawn(mongod, ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } else {
    kind = 'ferretdb';
    const binary = await ensureFerretDb(log);
    child = spawn(binary, [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dataDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
  }

  const uri = `mongodb://127.0.0.1:${port}/`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  // 'exit' handlers must be synchronous: a last-chance kill so no database outlives us.
  const killOnExit = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  try {
    await waitForPing(uri, child);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`Local ${kind} listening on ${uri} (data in ${dataDir})`);
  return { uri, kind, stop };
}

async function waitForPing(uri: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The local database exited early with code ${child.exitCode}`);
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.close().catch(() => {});
    }
  }
  throw new Error(`The local database did not answer a ping within ${timeoutMs} ms`, { cause: lastError });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
