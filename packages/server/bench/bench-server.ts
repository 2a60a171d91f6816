/**
 * What the server benchmarks share: the benchmark servers in child processes (bench/serve-child.ts),
 * what they and the database cost, readers to send requests as, and rate limits no benchmark reaches.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';

/**
 * Rate limits stay on in the benchmarks (a request pays for them as in production) but too high to be
 * reached by one machine's load from one address (docs/security.md, "Rate limits"); RATE_LIMITS=off
 * measures without them.
 */
export const UNREACHED_RATE_LIMITS = {
  RATE_LIMIT_IP: '1000000000', RATE_LIMIT_ACCOUNT: '1000000000', RATE_LIMIT_TOKEN: '1000000000',
  RATE_LIMIT_LOGIN_IP_FAILURES: '1000000000', RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '1000000000',
};

/** Commands a server sent, by `<command> <collection>`. */
export type Commands = Record<string, number>;

export interface BenchServer {
  url: string;
  child: ChildProcess;
  /** The commands it sent so far (counted with the driver's command monitoring). */
  commands(): Promise<Commands>;
  /** Its `process.memoryUsage()` now. */
  memory(): Promise<NodeJS.MemoryUsage>;
}

/** Starts bench/serve-child.ts (`MODE=flattr`: the real server; `MODE=baseline`: bare Express routes) and waits until it listens. */
export async function startBenchServer(env: NodeJS.ProcessEnv): Promise<BenchServer> {
  // BENCH_CHILD_NODE_ARGS: extra node flags for the servers, e.g. `--prof` to see where their time goes.
  const extraArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extraArgs, '--import', 'tsx', path.join(import.meta.dirname, 'serve-child.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ask = <T>(kind: 'commands' | 'memory') => new Promise<T>((resolve) => {
    const onMessage = (message: { kind?: string; value?: T }) => {
      if (message?.kind !== kind) return;
      child.off('message', onMessage);
      resolve(message.value as T);
    };
    child.on('message', onMessage);
    child.send(kind);
  });
  const lines = createInterface({ input: child.stdout! });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  for await (const line of lines) {
    if (line.startsWith('{')) {
      clearTimeout(timeout);
      return {
        url: (JSON.parse(line) as { url: string }).url,
        child,
        commands: () => ask<Commands>('commands'),
        memory: () => ask<NodeJS.MemoryUsage>('memory'),
      };
    }
  }
  await once(child, 'exit');
  throw new Error('benchmark server exited before listening');
}

/** Ends a benchmark server and waits for it to be gone. */
export async function stopBenchServer(server: BenchServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exited;
}

/** CPU seconds a process used so far (Linux /proc; null elsewhere or once it is gone). */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The stand-in's JVM when scripts/with-database.mjs started it for this run: a `java` child of this process's parent. */
export function databasePid(): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-P', String(process.ppid), 'java'], { encoding: 'utf8' }).trim();
    return out ? Number(out.split('\n')[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** What MONGODB_URI is, for the benchmark's text. */
export async function describeDatabase(uri: string): Promise<string> {
  if (process.env.BENCH_DATABASE_KIND) return process.env.BENCH_DATABASE_KIND;
  const client = new MongoClient(uri);
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    const standIn = /mongo-java-server/i.test(JSON.stringify(info)) || process.env.MONGODB_URI_KIND === 'mongo-java-server';
    return `${standIn ? 'mongo-java-server' : 'a MongoDB wire server'} reporting version ${String(info.version)} (with \`scripts/with-database.mjs\` and no \`mongod\` on PATH: the mongo-java-server 1.47 stand-in, memory backend)`;
  } finally {
    await client.close();
  }
}

/** The password every benchmark reader signs up with. */
export const BENCH_PASSWORD = 'correct horse battery';

/** Signs up `count` readers (8 at a time); their emails and access tokens. */
export async function signupReaders(url: string, count: number): Promise<Array<{ email: string; token: string }>> {
  const readers: Array<{ email: string; token: string }> = [];
  const run = randomBytes(3).toString('hex');
  for (let start = 0; start < count; start += 8) {
    const batch = await Promise.all(Array.from({ length: Math.min(8, count - start) }, async (_, k) => {
      const email = `reader-${run}-${start + k}@bench.test`;
      const res = await fetch(`${url}/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: BENCH_PASSWORD }),
      });
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
      return { email, token: ((await res.json()) as { accessToken: string }).accessToken };
    }));
    readers.push(...batch);
  }
  return readers;
}
