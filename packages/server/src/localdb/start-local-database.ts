import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';
import { ensureMongoJavaServer, LAUNCHER_CLASS } from './mongo-java-server.js';

export interface LocalDatabase {
  /** A MongoDB connection string without a database name. */
  uri: string;
  /** Which database answers: an external URI, a local mongod, or the stand-in (mongo-java-server). */
  kind: 'external' | 'mongod' | 'mongo-java-server';
  /** Where the data lives when it is kept across restarts (`dataDir` was given), else undefined. */
  dataPath?: string;
  /** The database process we started (undefined for `MONGODB_URI`). */
  pid?: number;
  /** Stops the process (if we started one) and removes a temporary data folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalDatabaseOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Keep the data in this folder across restarts (`npm start`). Without it the
   * database lives in memory (mongo-java-server) or a temporary folder (mongod)
   * and is gone when it stops: what tests want.
   */
  dataDir?: string;
  /** Java heap cap for the stand-in (default `1g`: RSS stays below 1 GB; the JVM default let it reach ~2 GB). */
  javaHeap?: string;
  /** More arguments for the stand-in's launcher (FlattrLocalMongo.java), e.g. `--live-reads` to measure. */
  launcherArgs?: string[];
}

/**
 * Gives the server and the tests a MongoDB to talk to, in this order:
 * `MONGODB_URI` when set; else a `mongod` on PATH; else the stand-in,
 * mongo-java-server (Maven Central), which keeps MongoDB's per-document
 * guarantees. Loopback only, stopped on exit, Ctrl-C and failure.
 */
export async function startLocalDatabase(options: LocalDatabaseOptions = {}): Promise<LocalDatabase> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  if (env.MONGODB_URI) {
    return { uri: env.MONGODB_URI, kind: 'external', stop: async () => {} };
  }
  const mongod = onPath('mongod', env);
  return mongod ? startMongod(mongod, options, log) : startMongoJavaServer(options, log);
}

async function startMongod(mongod: string, options: LocalDatabaseOptions, log: (line: string) => void): Promise<LocalDatabase> {
  const keep = options.dataDir ? path.join(options.dataDir, 'mongod') : undefined;
  if (keep) await mkdir(keep, { recursive: true });
  const dataDir = keep ?? await mkdtemp(path.join(tmpdir(), 'flattr-db-'));
  const port = await freePort();
  // Its own process group, like the stand-in: a terminal's Ctrl-C reaches only us, and stop() ends it after the server closed.
  const child = spawn(mongod, ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  const database = supervise(child, 'mongod', uri, keep, async () => {
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  });
  try {
    await waitForPing(uri, child);
  } catch (error) {
    await database.stop();
    throw error;
  }
  log(`Local mongod listening on ${uri} (data in ${dataDir})`);
  return database;
}

async function startMongoJavaServer(options: LocalDatabaseOptions, log: (line: string) => void): Promise<LocalDatabase> {
  const { classpath } = await ensureMongoJavaServer(log);
  const file = options.dataDir ? path.join(options.dataDir, 'flattr.mv.db') : undefined;
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const args = [`-Xmx${options.javaHeap ?? '1g'}`, '-XX:+UseSerialGC', '-cp', classpath, LAUNCHER_CLASS, '--port', '0'];
  if (file) args.push('--file', file);
  args.push(...options.launcherArgs ?? []);
  // stdin is a pipe the launcher watches: when this process dies, even by SIGKILL, the pipe closes and it exits.
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and the database
  // must outlive the server's graceful close (which may still write), so only stop() ends it.
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('mongo-java-server did not start within 30 s')), 30_000);
    lines.on('line', (line) => {
      const match = /^listening 127\.0\.0\.1:(\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mongo-java-server exited early with code ${code}`));
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  const database = supervise(child, 'mongo-java-server', uri, file, async () => {});
  try {
    await waitForPing(uri, child);
  } catch (error) {
    await database.stop();
    throw error;
  }
  log(`Local mongo-java-server listening on ${uri} (${file ? `data in ${file}` : 'in memory'})`);
  return database;
}

/** Stop handling shared by both local databases: SIGTERM, then SIGKILL after 5 s; a last-chance kill on exit. */
function supervise(child: ChildProcess, kind: LocalDatabase['kind'], uri: string, dataPath: string | undefined, cleanUp: () => Promise<void>): LocalDatabase {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  // 'exit' handlers must be synchronous: a last-chance kill so no database outlives us.
  const killOnExit = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
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
    await cleanUp();
  };
  return { uri, kind, dataPath, pid: child.pid, stop };
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

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8', env: { PATH: env.PATH ?? '' } }).trim() || undefined;
  } catch {
    return undefined;
  }
}
