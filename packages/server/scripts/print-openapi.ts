// Prints the OpenAPI document (`GET /v1/openapi.json`) to stdout without a
// database: the app is built from the real modules with a context whose `db`
// and `client` throw if touched. Route handlers read ctx only at request time
// and no request is made here, so the document is exactly what the server serves.
// Used by the SDK's `npm run generate` to keep its types in step with the server.
import type { Db, MongoClient } from 'mongodb';
import { loadConfig } from '../src/config/index.js';
import type { ServerContext } from '../src/context.js';
import { createApp } from '../src/http/app.js';
import { modules } from '../src/modules.js';

const untouchable = <T extends object>(name: string): T => new Proxy({} as T, {
  get(_target, property) {
    throw new Error(`print-openapi: ${name}.${String(property)} was used while building the app; building the OpenAPI document must not touch the database`);
  },
});

const ctx: ServerContext = {
  config: loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1', PUBLIC_URL: 'http://127.0.0.1:8080' }),
  db: untouchable<Db>('db'),
  client: untouchable<MongoClient>('client'),
  clock: { now: () => new Date() },
  log: { info: () => {}, warn: () => {}, error: (m, e) => console.error(m, e) },
};

const app = createApp(ctx, modules);
process.stdout.write(`${JSON.stringify(app.openApiDocument, null, 2)}\n`);
