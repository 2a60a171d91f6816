#!/usr/bin/env node
// `npm start`: a local database (unless MONGODB_URI is set) and the server with
// development settings, the demo page at the printed URL. Ctrl-C stops both.
import { register } from 'tsx/esm/api';

register();
const { startLocalDatabase } = await import('../src/localdb/index.ts');
const { startDevServer } = await import('../src/dev/start-dev-server.ts');

const database = await startLocalDatabase({ log: (line) => console.log(`[database] ${line}`) }).catch((error) => {
  console.error(`[database] ${error.message}`);
  process.exit(1);
});
const server = await startDevServer(database.uri).catch(async (error) => {
  console.error(error);
  await database.stop();
  process.exit(1);
});
const stop = async (signal) => {
  console.log(`\n${signal}: stopping the server and the local database…`);
  await server.close();
  await database.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
