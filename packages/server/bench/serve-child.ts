/**
 * A server for the benchmarks, in its own process so the load generator does
 * not share its event loop. Prints one JSON line `{url}` when listening.
 *   MODE=flattr   the real server (all modules)
 *   MODE=baseline bare Express routes on the same database: one insertOne (POST /baseline), a read
 *                 by _id (GET /baseline/read?id=…), a password check (POST /baseline/login)
 * Both connect with the driver's command monitoring on (the same cost on both
 * sides) and answer the IPC message `'commands'` with the commands they sent
 * so far, counted by `<command> <collection>` (commands of other databases,
 * e.g. the driver's own, left out), and `'memory'` with its `process.memoryUsage()`.
 */
import express from 'express';
import type { MongoClient } from 'mongodb';
import type { AddressInfo } from 'node:net';
import { hashPassword, verifyPassword } from '../src/auth/index.js';
import { loadConfig } from '../src/config/index.js';
import { connectDatabase } from '../src/db/index.js';
import { startServer } from '../src/server.js';
import { BENCH_PASSWORD } from './bench-server.js';

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
  if (message === 'commands') process.send!({ kind: 'commands', value: commands });
  if (message === 'memory') process.send!({ kind: 'memory', value: process.memoryUsage() });
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
  // For the mixed load (bench/mixed-load.ts): a read of one or more documents by _id…
  app.get('/baseline/read', async (req, res) => {
    const ids = ([] as unknown[]).concat(req.query.id ?? []).map(String);
    res.json({ docs: await db.collection<{ _id: string }>('baseline').find({ _id: { $in: ids } }).toArray() });
  });
  // …and a password check: one read and scrypt with the server's parameters.
  const user = { _id: 'baseline-user', passwordHash: await hashPassword(BENCH_PASSWORD) };
  await db.collection<typeof user>('baseline_users').updateOne({ _id: user._id }, { $set: user }, { upsert: true });
  app.post('/baseline/login', async (req, res) => {
    const found = await db.collection<typeof user>('baseline_users').findOne({ _id: user._id });
    const ok = found !== null && await verifyPassword(String(req.body?.password ?? ''), found.passwordHash);
    res.status(ok ? 200 : 401).json({ ok });
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
