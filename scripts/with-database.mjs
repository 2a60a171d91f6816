#!/usr/bin/env node
// Runs a command with MONGODB_URI pointing at a database: the one already set,
// else a local mongod or the stand-in (mongo-java-server, in memory) started for this run and stopped afterwards
// (also on Ctrl-C and when the command fails).
import { spawn } from 'node:child_process';
import { register } from 'tsx/esm/api';

register();
const { startLocalDatabase } = await import('../packages/server/src/localdb/index.ts');

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-database.mjs <command> [args…]');
  process.exit(2);
}

let database;
try {
  database = await startLocalDatabase({ log: (line) => console.error(`[database] ${line}`) });
} catch (error) {
  console.error(`[database] ${error.message}`);
  process.exit(1);
}

const child = spawn(command, args, {
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, MONGODB_URI: database.uri },
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', async (code, signal) => {
  await database.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
