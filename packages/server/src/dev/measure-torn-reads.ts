/**
 * Does the local stand-in ever return a half-updated document? Readers read
 * one document by `_id` (and by its unique key) in a loop while writers update
 * it with multi-field updates shaped like the server's own (a thing's count, a
 * wallet's guarded debit into a reservation, a user's budget and its version).
 * Each update keeps an invariant, so a read that breaks it saw half an update.
 *
 *   node --import tsx src/dev/measure-torn-reads.ts [--reads N] [--readers N] [--writers N] [--backend memory|h2|both]
 *
 * Each backend runs twice: as the project starts it (answers copied under the
 * collection's lock) and with mongo-java-server's own reads (`--live-reads`).
 * docs/database.md has the figures. MONGODB_URI, when set, is measured instead (as "external").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { startLocalDatabase } from '../localdb/index.js';

interface Shape {
  name: string;
  initial: () => Document;
  update: (c: Collection, id: ObjectId, i: number) => Promise<unknown>;
  /** Why this read cannot be a whole document of any moment, or undefined when it is consistent. */
  broken: (d: Document | null) => string | undefined;
}

const TOTAL = 1_000_000;

const shapes: Shape[] = [
  {
    // A thing: the click count and the month's count move together ($inc of two fields).
    name: 'thing: $inc flattrCount and periodCount',
    initial: () => ({
      url: `https://blog.example/${new ObjectId().toHexString()}`, host: 'blog.example', title: 'A post', tags: ['a', 'b'],
      ownerId: null, claimedCreator: null, flattrCount: 0, periodCount: 0, createdAt: new Date(),
    }),
    update: (c, id) => c.updateOne({ _id: id }, { $inc: { flattrCount: 1, periodCount: 1 } }),
    broken: (d) => !d ? 'missing' : d.flattrCount !== d.periodCount ? `flattrCount ${d.flattrCount} ≠ periodCount ${d.periodCount}` : d.title !== 'A post' ? 'title lost' : undefined,
  },
  {
    // A thing with a long description (things may carry one): a longer answer to write, a wider window.
    name: 'thing with a 4 KB description: $inc two counts',
    initial: () => ({
      url: `https://blog.example/${new ObjectId().toHexString()}`, host: 'blog.example', title: 'A long post',
      description: 'x'.repeat(4096), tags: ['a', 'b'], flattrCount: 0, periodCount: 0,
    }),
    update: (c, id) => c.updateOne({ _id: id }, { $inc: { flattrCount: 1, periodCount: 1 } }),
    broken: (d) => !d ? 'missing' : d.flattrCount !== d.periodCount ? `flattrCount ${d.flattrCount} ≠ periodCount ${d.periodCount}` : undefined,
  },
  {
    // A wallet: a guarded debit into a reservation; available + reserved never changes.
    name: 'wallet: guarded $inc available −1, reserved +1',
    initial: () => ({ available: TOTAL, reserved: 0, currency: 'EUR' }),
    update: (c, id) => c.updateOne({ _id: id, available: { $gte: 1 } }, { $inc: { available: -1, reserved: 1 } }),
    broken: (d) => !d ? 'missing' : d.available + d.reserved !== TOTAL ? `available ${d.available} + reserved ${d.reserved} ≠ ${TOTAL}` : undefined,
  },
  {
    // A user: the budget and its version are set together ($set of two fields and a nested one).
    name: 'user: $set budget, budgetVersion, meta.budget',
    initial: () => ({ email: `${new ObjectId().toHexString()}@example.org`, name: 'Ada', roles: ['reader'], budget: 0, budgetVersion: 0, meta: { budget: 0 } }),
    update: (c, id, i) => c.updateOne({ _id: id }, { $set: { budget: i, budgetVersion: i, 'meta.budget': i } }),
    broken: (d) => !d ? 'missing' : d.budget !== d.budgetVersion || d.meta?.budget !== d.budget ? `budget ${d.budget}, version ${d.budgetVersion}, meta ${d.meta?.budget}` : undefined,
  },
];

const { values } = parseArgs({
  options: {
    reads: { type: 'string', default: '20000' },
    readers: { type: 'string', default: '32' },
    writers: { type: 'string', default: '4' },
    backend: { type: 'string', default: 'both' },
    only: { type: 'string' },
  },
});
const readsPerShape = Number(values.reads);
const readers = Number(values.readers);
const writers = Number(values.writers);

const backends = process.env.MONGODB_URI ? ['external']
  : (values.backend === 'both' ? ['memory', 'h2'] : [values.backend!]).flatMap((b) => [b, `${b} --live-reads`]);
console.log(`| backend | document | reads | torn reads | updates during the reads | example |`);
console.log(`| --- | --- | ---: | ---: | ---: | --- |`);
for (const backend of backends) {
  const dataDir = backend.startsWith('h2') ? await mkdtemp(path.join(tmpdir(), 'flattr-torn-')) : undefined;
  const database = await startLocalDatabase({ dataDir, launcherArgs: backend.endsWith('--live-reads') ? ['--live-reads'] : [] });
  const client = new MongoClient(database.uri, { maxPoolSize: readers + writers + 2 });
  try {
    const db = client.db(`torn_reads_${Date.now()}`);
    for (const shape of shapes.filter((s) => !values.only || s.name.includes(values.only!))) {
      const c = db.collection(shape.name.split(':')[0]!.replace(/\W+/g, '_'));
      if (shape.name.startsWith('thing')) await c.createIndex({ url: 1 }, { unique: true });
      const doc = shape.initial();
      const { insertedId: id } = await c.insertOne(doc);
      let reads = 0;
      const torn = { id: 0, key: 0 };
      let updates = 0;
      let example: string | undefined;
      let done = false;
      const writing = Array.from({ length: writers }, async () => {
        while (!done) await shape.update(c, id, ++updates);
      });
      const reading = Array.from({ length: readers }, async (_, r) => {
        while (reads < readsPerShape) {
          reads++;
          // Half the readers by _id, half by the unique key where there is one: both paths the server uses.
          const byKey = r % 2 === 1 && doc.url;
          const found = byKey ? await c.findOne({ url: doc.url }) : await c.findOne({ _id: id });
          const why = shape.broken(found);
          if (why) {
            torn[byKey ? 'key' : 'id']++;
            example ??= why;
          }
        }
      });
      await Promise.all(reading);
      done = true;
      await Promise.all(writing);
      const tornText = doc.url ? `${torn.id + torn.key} (${torn.id} by _id, ${torn.key} by url)` : String(torn.id);
      console.log(`| ${backend} | ${shape.name} | ${reads} | ${tornText} | ${updates} | ${example ?? '–'} |`);
    }
    await db.dropDatabase();
  } finally {
    await client.close();
    await database.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}
