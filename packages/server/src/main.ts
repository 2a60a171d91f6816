import { loadConfig } from './config/index.js';
import { startServer } from './server.js';

/** `flattr-server serve`: start from the environment, stop gracefully on SIGINT/SIGTERM. */
export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const server = await startServer({ config });
  console.log(`Flattr server listening on ${server.url} (public URL ${config.publicUrl})`);
  const shutdown = async (signal: string) => {
    console.log(`${signal}: shutting down…`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
