/**
 * A MariaDB server of the test's own: a fresh data directory made by mariadb-install-db in a temporary
 * folder, mariadbd started as the current user with only a Unix socket there (no TCP port at all), and
 * everything removed on stop. No system service is used or started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { run, startProcess } from './processes.js';

export interface MariaDb {
  /** The server's Unix socket. */
  socket: string;
  /** Runs SQL as root through the socket. */
  sql(statement: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startMariaDb(): Promise<MariaDb> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flattr-mariadb-'));
  const datadir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const user = userInfo().username;
  // Durability is not wanted here: no fsync, small buffers, so it starts in seconds on a busy machine.
  const tuning = ['--innodb-flush-method=nosync', '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M'];
  try {
    await run('mariadb-install-db', [
      '--no-defaults', `--datadir=${datadir}`, `--user=${user}`, '--auth-root-authentication-method=normal',
      '--skip-test-db', '--skip-name-resolve', ...tuning,
    ]);
    const server = await startProcess('mariadbd', [
      '--no-defaults', `--datadir=${datadir}`, `--socket=${socket}`, `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-networking', '--skip-name-resolve', `--user=${user}`, '--log-warnings=1', ...tuning,
    ], { name: 'mariadbd', ready: /ready for connections/ });
    const sql = (statement: string) => run('mariadb', ['--no-defaults', `--socket=${socket}`, '--user=root', '--batch', '-e', statement]);
    return {
      socket,
      sql,
      stop: async () => {
        await server.stop(10_000);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
