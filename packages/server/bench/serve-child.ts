/**
 * A server for the benchmarks, in its own process so the load generator does
 * not share its event loop. Prints one JSON line `{url}` when listening.
 *   MODE=flattr   the real server (all modules)
 *   MODE=baseline a bare Express route doing one insertOne into the same database
 * Both connect with the driver's command monitoring on (the same cost on both
 * sides) and answer the IPC message `'commands'` with the commands they sent
 * so far, counted by `<command> <collection>` (commands of other databases,
 * e.g. the driver's own, left out).
 */
import express from 'express';
import type { MongoClient } from 'mongodb';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/index.js';
import { connectDatabase } from '../src/db/index.js';
import { startServer } from '../src/server.js';

const mode = process.env.MODE ?? 'flattr';
const dbName = process.env.MONGODB_DB!;
const uri = withMonitoring(process.env.MONGODB_URI!);

const commands: Record<string, number> = {};
function countCommands(client: MongoClient): void {
  client.on('commandStarted', (event) => {
    if (event.databaseName !== dbName) return;
    const name = `${event.commandName} ${String(event.command[event.commandName])}`;
    commands[name] = (commands[name] ?? 0) + 1;
  });
}
process.on('message', (message) => {
  if (message === 'commands') process.send!({ commands });
});
// An orderly exit, so that `BENCH_CHILD_NODE_ARGS=--cpu-prof` writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

if (mode === 'flattr') {
  const config = loadConfig({ ...process.env, MONGODB_URI: uri, PORT: '0', HOST: '127.0.0.1' });
  const server = await startServer({
    config,
    log: { info: () => {}, warn: () => {}, error: (m, e) => console.error(m, e) },
  });
  countCommands(server.ctx.client);
  config.publicUrl = server.url;
  config.jwt.issuer = server.url;
  console.log(JSON.stringify({ url: server.url }));
} else {
  const { client, db } = await connectDatabase(uri, dbName);
  countCommands(client);
  const app = express();
  app.use(express.json());
  app.post('/baseline', async (req, res) => {
    const result = await db.collection('baseline').insertOne({ ...req.body, createdAt: new Date() });
    res.status(201).json({ id: result.insertedId });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

function withMonitoring(base: string): string {
  // A URI without a path before its options needs the `/`: mongodb://host:port/?monitorCommands=true
  const withPath = base.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\?|$)/, '$1/$2');
  return `${withPath}${withPath.includes('?') ? '&' : '?'}monitorCommands=true`;
}
