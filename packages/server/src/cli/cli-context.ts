import { loadConfig } from '../config/index.js';
import type { Logger, ServerContext } from '../context.js';
import { connectDatabase } from '../db/index.js';
import { modules } from '../modules.js';
import { mailModule } from '../mail/index.js';
import { systemClock } from '../server.js';
import { CliError } from './cli-error.js';

export interface CliContext {
  ctx: ServerContext;
  close(): Promise<void>;
}

const stderrLogger: Logger = {
  info: (m) => console.error(m),
  warn: (m) => console.error(m),
  error: (m, e) => console.error(m, e instanceof Error ? e.message : e ?? ''),
};

/** The server's context without HTTP: configuration from the environment, the database, every module's indexes. */
export async function openCliContext(): Promise<CliContext> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    throw new CliError((error as Error).message.replace(/\n\s*/g, ' '), 2);
  }
  let database;
  try {
    database = await connectDatabase(config.mongodbUri, config.mongodbDb);
    await database.db.command({ ping: 1 });
  } catch (error) {
    await database?.close().catch(() => {});
    throw new CliError(`cannot reach the database at ${redact(config.mongodbUri)} (${(error as Error).message.split('\n')[0]})`, 5);
  }
  const ctx: ServerContext = { config, db: database.db, client: database.client, clock: systemClock, log: stderrLogger };
  for (const module of modules) await module.ensureIndexes?.(ctx);
  return {
    ctx,
    close: async () => {
      // Mail still on its way (e.g. a payout notice) goes out before the process ends.
      await mailModule.close?.(ctx);
      await database.close();
    },
  };
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}
