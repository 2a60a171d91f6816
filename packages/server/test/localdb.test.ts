import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MongoClient, MongoServerError } from 'mongodb';
import { startLocalDatabase, type LocalDatabase } from '../src/localdb/index.js';

// These tests start stand-ins of their own, whatever MONGODB_URI the run has, and never a mongod:
// the PATH they see has no folder with a `mongod` in it.
const standInEnv: NodeJS.ProcessEnv = {
  PATH: (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !hasMongod(dir)).join(path.delimiter),
};

describe('local database: the stand-in (mongo-java-server)', () => {
  it('starts on a free loopback port, answers, and stop() ends it (twice is fine)', async () => {
    const database = await startLocalDatabase({ env: standInEnv });
    assert.equal(database.kind, 'mongo-java-server');
    const { port } = new URL(database.uri);
    assert.match(database.uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const client = new MongoClient(database.uri);
    try {
      assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
      const build = await client.db('admin').command({ buildInfo: 1 });
      assert.equal(build.version, '4.4.0', 'the launcher reports 4.4 (wire 9), which the driver 7 needs');
    } finally {
      await client.close();
    }
    await database.stop();
    await database.stop();
    assert.equal(isAlive(database.pid!), false);
    assert.equal(await portAnswers(Number(port)), false);
  });

  it('stops by itself when the process that started it is killed with SIGKILL, and its file keeps what was written', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'flattr-localdb-test-'));
    const moduleUrl = new URL('../src/localdb/index.ts', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { startLocalDatabase } = await import(${JSON.stringify(moduleUrl)});
      const database = await startLocalDatabase({ env: ${JSON.stringify(standInEnv)}, dataDir: ${JSON.stringify(dataDir)} });
      console.log(JSON.stringify({ uri: database.uri, pid: database.pid }));
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)) });
    try {
      const started = await new Promise<{ uri: string; pid: number }>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
        child.once('exit', (code) => reject(new Error(`the child exited with ${code} before starting the database`)));
      });
      const port = Number(new URL(started.uri).port);
      assert.equal(isAlive(started.pid), true);
      await withClient({ uri: started.uri } as LocalDatabase, async (client) => {
        await client.db('crash').collection('users').insertOne({ _id: 'ada' as never, budget: 500 });
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // The launcher reads its stdin, a pipe from the killed parent: the kernel closes it, the launcher
      // exits and its shutdown hook closes the H2 file.
      await waitUntil(() => !isAlive(started.pid), 'the Java process to exit after its parent was killed');
      assert.equal(await portAnswers(port), false);
      const again = await startLocalDatabase({ env: standInEnv, dataDir });
      try {
        await withClient(again, async (client) => {
          assert.deepEqual(await client.db('crash').collection('users').findOne({ _id: 'ada' as never }), { _id: 'ada', budget: 500 });
        });
      } finally {
        await again.stop();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps data across a stop and a start with a data folder (H2 file)', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'flattr-localdb-test-'));
    try {
      const first = await startLocalDatabase({ env: standInEnv, dataDir });
      assert.equal(first.dataPath, path.join(dataDir, 'flattr.mv.db'));
      await withClient(first, async (client) => {
        const things = client.db('keep').collection('things');
        await things.createIndex({ url: 1 }, { unique: true });
        await things.insertOne({ _id: 'a' as never, url: 'https://example.org/a', n: 1 });
        await things.updateOne({ _id: 'a' as never }, { $inc: { n: 41 } });
      });
      await first.stop();
      const second = await startLocalDatabase({ env: standInEnv, dataDir });
      try {
        await withClient(second, async (client) => {
          const things = client.db('keep').collection('things');
          assert.deepEqual(await things.findOne({ _id: 'a' as never }), { _id: 'a', url: 'https://example.org/a', n: 42 });
          // The unique index came back too.
          await assert.rejects(things.insertOne({ url: 'https://example.org/a' }), (error: unknown) => isDuplicateKey(error));
        });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('uses MONGODB_URI when it is set, and starts nothing', async () => {
    const uri = 'mongodb://db.example.invalid:27017/';
    const database = await startLocalDatabase({ env: { ...standInEnv, MONGODB_URI: uri } });
    assert.equal(database.kind, 'external');
    assert.equal(database.uri, uri);
    assert.equal(database.pid, undefined);
    await database.stop();
  });
});

// What the data layer relies on, asserted on the stand-in itself, in memory and with the H2 file.
for (const backend of ['memory', 'H2 file'] as const) {
  describe(`local database: MongoDB's guarantees on the stand-in (${backend})`, () => {
    let database: LocalDatabase;
    let client: MongoClient;
    let dataDir: string | undefined;
    before(async () => {
      dataDir = backend === 'memory' ? undefined : await mkdtemp(path.join(tmpdir(), 'flattr-localdb-test-'));
      database = await startLocalDatabase({ env: standInEnv, dataDir });
      client = new MongoClient(database.uri, { maxPoolSize: 100 });
      await client.connect();
    });
    after(async () => {
      await client.close();
      await database.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('applies 100 parallel $inc of one document exactly: 100', async () => {
      const counters = client.db('guarantees').collection<{ _id: string; n: number }>('counters');
      await counters.insertOne({ _id: 'c', n: 0 });
      const results = await Promise.all(Array.from({ length: 100 }, () => counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } })));
      assert.equal(results.reduce((sum, r) => sum + r.modifiedCount, 0), 100);
      assert.equal((await counters.findOne({ _id: 'c' }))!.n, 100);
    });

    it('lets exactly 20 of 100 parallel guarded debits of 5 take a balance of 100, to 0', async () => {
      const wallets = client.db('guarantees').collection<{ _id: string; balance: number }>('wallets');
      await wallets.insertOne({ _id: 'w', balance: 100 });
      const results = await Promise.all(Array.from({ length: 100 }, () =>
        wallets.updateOne({ _id: 'w', balance: { $gte: 5 } }, { $inc: { balance: -5 } })));
      assert.equal(results.filter((r) => r.modifiedCount === 1).length, 20);
      assert.equal((await wallets.findOne({ _id: 'w' }))!.balance, 0);
    });

    it('lets exactly one of 50 concurrent inserts under one unique key succeed; the others get E11000', async () => {
      const users = client.db('guarantees').collection<{ email: string; n: number }>('users');
      await users.createIndex({ email: 1 }, { unique: true });
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, n) => users.insertOne({ email: 'one@example.org', n })));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(isDuplicateKey(o.reason), String(o.reason));
      assert.equal(await users.countDocuments({ email: 'one@example.org' }), 1);
    });

    it('lets exactly one of 50 concurrent upserts create a document', async () => {
      const flattrs = client.db('guarantees').collection<{ _id: string; clicks: number }>('flattrs');
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () =>
        flattrs.updateOne({ _id: 'reader:thing:2026-12' }, { $setOnInsert: { clicks: 1 } }, { upsert: true })));
      const created = outcomes.filter((o) => o.status === 'fulfilled' && o.value.upsertedCount === 1).length;
      assert.equal(created, 1);
      assert.equal(await flattrs.countDocuments({}), 1);
    });

    it('returns the exact before-state from 100 parallel findOneAndUpdate $inc (returnDocument: before)', async () => {
      const counters = client.db('guarantees').collection<{ _id: string; n: number }>('sequence');
      await counters.insertOne({ _id: 's', n: 0 });
      const before = await Promise.all(Array.from({ length: 100 }, () =>
        counters.findOneAndUpdate({ _id: 's' }, { $inc: { n: 1 } }, { returnDocument: 'before' })));
      assert.deepEqual(before.map((d) => d!.n).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    });

    it('returns exact after-states from 100 parallel findOneAndUpdate $inc (returnDocument: after), 5 rounds', async () => {
      // mongo-java-server alone answered with the live document here (53 of 3,000 were another call's
      // value); the launcher copies answers under the collection's lock.
      const counters = client.db('guarantees').collection<{ _id: number; n: number }>('sequence_after');
      for (let round = 0; round < 5; round++) {
        await counters.insertOne({ _id: round, n: 0 });
        const after = await Promise.all(Array.from({ length: 100 }, () =>
          counters.findOneAndUpdate({ _id: round }, { $inc: { n: 1 } }, { returnDocument: 'after' })));
        assert.deepEqual(after.map((d) => d!.n).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1), `round ${round}`);
      }
    });

    it('answers finds of any size, in one batch or many (copied up to 1,000 documents, as they are above)', async () => {
      const clicks = client.db('guarantees').collection<{ _id: number; period: string }>('clicks');
      await clicks.insertMany(Array.from({ length: 2500 }, (_, i) => ({ _id: i, period: i % 2 ? '2026-11' : '2026-12' })));
      assert.equal((await clicks.find({}).toArray()).length, 2500);
      const inBatches = await clicks.find({ period: '2026-11' }).batchSize(300).toArray();
      assert.deepEqual(inBatches.map((d) => d._id), Array.from({ length: 1250 }, (_, i) => 2 * i + 1));
      assert.equal((await clicks.find({ period: '2026-12' }).limit(10).toArray()).length, 10);
    });
  });
}

function hasMongod(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'mongod')).isFile();
  } catch {
    return false;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

async function withClient(database: LocalDatabase, use: (client: MongoClient) => Promise<void>): Promise<void> {
  const client = new MongoClient(database.uri);
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

/** Running (a zombie that its new parent has not reaped yet counts as gone: it holds no port and runs nothing). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`waited 30 s for ${what}`);
}
