import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAhead } from '../src/db/read-ahead.js';

/** A source that records how far it has been read and whether it was closed. */
function countingSource(n: number, failAt?: number) {
  const seen = { produced: 0, closed: false };
  async function* source() {
    try {
      for (let i = 0; i < n; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        if (i === failAt) throw new Error(`source failed at ${i}`);
        seen.produced += 1;
        yield i;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, source: source() };
}

describe('readAhead', () => {
  it('yields every item of the source, in order', async () => {
    const { source } = countingSource(5000);
    const out: number[] = [];
    for await (const x of readAhead(source, 100)) out.push(x);
    assert.deepEqual(out, Array.from({ length: 5000 }, (_, i) => i));
  });

  it('reads ahead while the consumer is busy, but never more than the limit', async () => {
    const { seen, source } = countingSource(1000);
    const it = readAhead(source, 50)[Symbol.asyncIterator]();
    assert.equal((await it.next()).value, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The consumer took 1 item; the pump filled the buffer up to the limit behind it.
    assert.ok(seen.produced >= 40 && seen.produced <= 52, `produced ${seen.produced}`);
    await it.return(undefined);
  });

  it('closes the source when the consumer stops early', async () => {
    const { seen, source } = countingSource(1000);
    for await (const x of readAhead(source, 10)) if (x === 3) break;
    assert.equal(seen.closed, true);
    assert.ok(seen.produced < 30);
  });

  it('passes the source\'s error on after the items read before it', async () => {
    const { source } = countingSource(100, 42);
    const out: number[] = [];
    await assert.rejects(async () => {
      for await (const x of readAhead(source, 10)) out.push(x);
    }, /source failed at 42/);
    assert.deepEqual(out, Array.from({ length: 42 }, (_, i) => i));
  });
});
