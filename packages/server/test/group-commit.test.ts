import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groupCommit, groupedInserts, type ItemOutcome } from '../src/db/index.js';
import { startTestServer, type TestServer } from '../src/testing/index.js';

/** A flush that records its batches and answers each item with its double. */
function recordingFlush() {
  const batches: number[][] = [];
  const flush = async (items: number[]): Promise<Array<ItemOutcome<number>>> => {
    batches.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return items.map((n) => ({ ok: true, value: n * 2 }));
  };
  return { batches, flush };
}

describe('groupCommit (generic)', () => {
  it('gives every caller its own item\'s result, items flushed in submission order', async () => {
    const { batches, flush } = recordingFlush();
    const commit = groupCommit(flush);
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => commit.submit(n)));
    assert.deepEqual(results, [2, 4, 6, 8, 10]);
    assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5]);
  });

  it('groups items submitted together into one flush (flush on the next tick)', async () => {
    const { batches, flush } = recordingFlush();
    const commit = groupCommit(flush);
    await Promise.all(Array.from({ length: 20 }, (_, i) => commit.submit(i)));
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.length, 20);
  });

  it('flushes as soon as maxBatch items are queued, and queues the rest behind the running flush', async () => {
    const { batches, flush } = recordingFlush();
    const commit = groupCommit(flush, { maxBatch: 4, maxWaitMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => i * 2));
    assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
    assert.deepEqual(batches.flat(), Array.from({ length: 10 }, (_, i) => i));
  });

  it('flushes a lone item after maxWaitMs, gathering what arrives meanwhile', async () => {
    const { batches, flush } = recordingFlush();
    const commit = groupCommit(flush, { maxWaitMs: 30 });
    const first = commit.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(batches.length, 0, 'nothing flushed before the window ends');
    const second = commit.submit(2);
    assert.deepEqual(await Promise.all([first, second]), [2, 4]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  it('collects items that arrive during a flush into the next one', async () => {
    const { batches, flush } = recordingFlush();
    const commit = groupCommit(flush);
    const first = commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => commit.submit(n));
    await Promise.all([first, ...later]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
  });

  it('rejects only the caller whose item failed', async () => {
    const commit = groupCommit<number, number>(async (items) => items.map((n) => (n === 2
      ? { ok: false, error: new Error('two is bad') }
      : { ok: true, value: n })));
    const results = await Promise.allSettled([1, 2, 3].map((n) => commit.submit(n)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /two is bad/);
  });

  it('rejects every caller of a batch whose flush throws, and keeps working afterwards', async () => {
    let fail = true;
    const commit = groupCommit<number, number>(async (items) => {
      if (fail) throw new Error('connection lost');
      return items.map((n) => ({ ok: true, value: n }));
    });
    const failed = await Promise.allSettled([1, 2].map((n) => commit.submit(n)));
    assert.ok(failed.every((r) => r.status === 'rejected' && /connection lost/.test(String(r.reason))));
    fail = false;
    assert.equal(await commit.submit(3), 3);
  });

  it('drain() waits until everything queued is flushed', async () => {
    const { batches, flush } = recordingFlush();
    const commit = groupCommit(flush, { maxWaitMs: 60_000 });
    void commit.submit(7);
    await commit.drain();
    assert.deepEqual(batches, [[7]]);
  });
});

describe('groupedInserts (on the database)', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('inserts concurrent documents with one insertMany and tells each caller inserted or duplicate', async () => {
    const collection = server.db.collection<{ _id: string; n: number }>('group_commit_test');
    await collection.insertOne({ _id: 'taken', n: 0 });
    const inserts = groupedInserts(collection);
    const ids = ['a', 'taken', 'b', 'a', 'c'];
    const outcomes = await Promise.all(ids.map((_id, n) => inserts.submit({ _id, n })));
    // The second 'a' meets the first one's `_id` in the same batch: exactly one caller created it.
    assert.deepEqual(outcomes, ['inserted', 'duplicate', 'inserted', 'duplicate', 'inserted']);
    const stored = await collection.find().sort({ _id: 1 }).toArray();
    assert.deepEqual(stored, [{ _id: 'a', n: 0 }, { _id: 'b', n: 2 }, { _id: 'c', n: 4 }, { _id: 'taken', n: 0 }]);
  });

  it('maps a duplicate on a unique secondary index to the document that hit it', async () => {
    const collection = server.db.collection<{ _id: string; key: string }>('group_commit_unique');
    await collection.createIndex({ key: 1 }, { unique: true });
    const inserts = groupedInserts(collection);
    const outcomes = await Promise.all([
      inserts.submit({ _id: '1', key: 'x' }),
      inserts.submit({ _id: '2', key: 'y' }),
      inserts.submit({ _id: '3', key: 'x' }),
    ]);
    assert.deepEqual(outcomes, ['inserted', 'inserted', 'duplicate']);
    assert.equal(await collection.countDocuments(), 2);
  });

  it('gives exactly one "inserted" among 200 concurrent inserts of one _id', async () => {
    const collection = server.db.collection<{ _id: string; n: number }>('group_commit_race');
    const inserts = groupedInserts(collection, { maxBatch: 16 });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, n) => inserts.submit({ _id: 'one', n })));
    assert.equal(outcomes.filter((o) => o === 'inserted').length, 1);
    assert.equal(await collection.countDocuments(), 1);
  });
});
