import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { loadConfig, type Config } from '../config/index.js';
import type { Logger, ServerContext, ServerModule } from '../context.js';
import { startLocalDatabase, type LocalDatabase } from '../localdb/index.js';
import { startServer } from '../server.js';
import type { App } from '../http/app.js';
import { MutableClock } from './mutable-clock.js';

export interface TestServer {
  url: string;
  db: Db;
  ctx: ServerContext;
  config: Config;
  clock: MutableClock;
  /** The Express app with its route specs and OpenAPI document (for coverage tests). */
  app: App;
  /** Stops the server, drops this test's database, stops a database we started. */
  close(): Promise<void>;
}

/**
 * Rate limits for tests: on (every request goes through the limiters, as in
 * production) but too high for any test to reach. The rate-limit tests set
 * their own, small limits through `env`.
 */
export const TEST_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_IP: '100000000',
  RATE_LIMIT_ACCOUNT: '100000000',
  RATE_LIMIT_TOKEN: '100000000',
  RATE_LIMIT_LOGIN_FREE_FAILURES: '100000000',
  RATE_LIMIT_LOGIN_IP_FAILURES: '100000000',
  RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '100000000',
};

const quietLogger: Logger = {
  info: () => {},
  warn: () => {},
  // Unexpected errors must be seen: a 500 in a test is a defect.
  error: (m, e) => console.error(m, e),
};

/**
 * The real server on an ephemeral loopback port with a database of its own
 * (a fresh database name on MONGODB_URI, or on a local mongod or the stand-in).
 */
export async function startTestServer(options: {
  env?: Record<string, string>;
  modules?: ServerModule[];
  /** Turn on the driver's command monitoring (`commandStarted`/`commandSucceeded` events on `ctx.client`). */
  monitorCommands?: boolean;
} = {}): Promise<TestServer> {
  let local: LocalDatabase | undefined;
  let uri = options.env?.MONGODB_URI ?? process.env.MONGODB_URI;
  if (!uri) {
    local = await startLocalDatabase();
    uri = local.uri;
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    MONGODB_DB: `test_${randomBytes(6).toString('hex')}`,
    ALLOW_PRIVATE_FETCH: 'true',
    ...TEST_RATE_LIMITS,
    ...options.env,
    MONGODB_URI: options.monitorCommands ? withUriOption(uri, 'monitorCommands=true') : uri,
  });
  const clock = new MutableClock();
  const server = await startServer({ config, clock, log: quietLogger, modules: options.modules });
  // The port is known only now; the issuer and public URL follow it unless a test set them.
  if (!options.env?.PUBLIC_URL) {
    config.publicUrl = server.url;
    if (!options.env?.JWT_ISSUER) config.jwt.issuer = server.url;
  }
  return {
    url: server.url,
    db: server.ctx.db,
    ctx: server.ctx,
    config,
    clock,
    app: server.app,
    close: async () => {
      await server.ctx.db.dropDatabase().catch(() => {});
      await server.close();
      await local?.stop();
    },
  };
}

/** Adds `option` to a connection string (with the `/` a URI without a path needs before its options). */
function withUriOption(uri: string, option: string): string {
  const withPath = uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\?|$)/, '$1/$2');
  return `${withPath}${withPath.includes('?') ? '&' : '?'}${option}`;
}
