import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/index.js';
import type { Clock, Logger, ServerContext, ServerModule } from './context.js';
import { connectDatabase } from './db/index.js';
import { loadDemoClock } from './demo-month/index.js';
import { createApp, type App } from './http/app.js';
import { modules as defaultModules } from './modules.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  ctx: ServerContext;
  app: App;
  /** Stops accepting connections, lets requests in flight finish, closes the database. */
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m, e) => console.error(m, e),
};

export async function startServer(options: {
  config: Config;
  clock?: Clock;
  log?: Logger;
  modules?: ServerModule[];
}): Promise<RunningServer> {
  const { config } = options;
  const database = await connectDatabase(config.mongodbUri, config.mongodbDb);
  const baseClock = options.clock ?? systemClock;
  const ctx: ServerContext = {
    config,
    db: database.db,
    client: database.client,
    // The demo's calendar can be ahead of the real one ("end the month now"; src/demo-month/).
    clock: config.demoMode ? await loadDemoClock(database.db, baseClock) : baseClock,
    log: options.log ?? consoleLogger,
  };
  const modules = options.modules ?? defaultModules;
  try {
    for (const module of modules) await module.ensureIndexes?.(ctx);
  } catch (error) {
    await database.close();
    throw error;
  }
  const app = createApp(ctx, modules);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.express.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  for (const module of modules) module.start?.(ctx);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Requests still running after 10 s are cut: a shutdown must end.
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    });
    for (const module of modules) {
      try {
        await module.close?.(ctx);
      } catch (error) {
        ctx.log.error(`closing module ${module.name} failed`, error);
      }
    }
    await database.close();
  })());
  return { url, ctx, app, close };
}
