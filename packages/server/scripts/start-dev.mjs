#!/usr/bin/env node
// `npm start`: a local database (unless MONGODB_URI is set) and the server with
// development settings, the demo page at the printed URL. Ctrl-C stops both.
//
// The local database keeps its data across restarts in the checkout's `.flattr-data/dev/`
// (gitignored; FLATTR_DATA_DIR chooses another folder). `FLATTR_FRESH=1 npm start`
// (or `--fresh`) starts from an empty database.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { startLocalDatabase } = await import('../src/localdb/index.ts');
const { startDevServer } = await import('../src/dev/start-dev-server.ts');

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = path.resolve(process.env.FLATTR_DATA_DIR || path.join(repoRoot, '.flattr-data', 'dev'));
// `npm start -- --fresh` from the repo root reaches this script as npm's config `fresh`.
const fresh = process.argv.includes('--fresh') || truthy(process.env.FLATTR_FRESH) || truthy(process.env.npm_config_fresh);

if (fresh && !process.env.MONGODB_URI) {
  // Only what the local database writes there: FLATTR_DATA_DIR may name a folder that holds other things.
  await rm(path.join(dataDir, 'flattr.mv.db'), { force: true });
  await rm(path.join(dataDir, 'mongod'), { recursive: true, force: true });
  console.log(`[database] fresh start: removed the data in ${dataDir}`);
}

const database = await startLocalDatabase({ dataDir, log: (line) => console.log(`[database] ${line}`) }).catch((error) => {
  console.error(`[database] ${error.message}`);
  if (/exited early/.test(error.message)) {
    console.error(`[database] Is another \`npm start\` using ${dataDir}? Stop it, or set FLATTR_DATA_DIR to another folder.`);
  }
  process.exit(1);
});
if (database.dataPath) console.log(`[database] data kept across restarts in ${database.dataPath} (FLATTR_FRESH=1 npm start starts empty)`);
const server = await startDevServer(database.uri).catch(async (error) => {
  console.error(error);
  await database.stop();
  process.exit(1);
});
let stopping = false;
const stop = async (signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the server and the local database…`);
  await server.close();
  // The stand-in writes its file when it stops (SIGTERM from stop(), never the terminal's Ctrl-C).
  await database.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGHUP', () => void stop('SIGHUP'));

function truthy(value) {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
