/**
 * A server for the benchmarks, in its own process so the load generator does
 * not share its event loop. Prints one JSON line `{url}` when listening.
 *   MODE=flattr   the real server (all modules)
 *   MODE=baseline a bare Express route doing one insertOne into the same database
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/index.js';
import { connectDatabase } from '../src/db/index.js';
import { startServer } from '../src/server.js';

const mode = process.env.MODE ?? 'flattr';
const uri = process.env.MONGODB_URI!;
const dbName = process.env.MONGODB_DB!;

if (mode === 'flattr') {
  const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1' });
  const server = await startServer({
    config,
    log: { info: () => {}, warn: () => {}, error: (m, e) => console.error(m, e) },
  });
  config.publicUrl = server.url;
  config.jwt.issuer = server.url;
  console.log(JSON.stringify({ url: server.url }));
} else {
  const { db } = await connectDatabase(uri, dbName);
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
