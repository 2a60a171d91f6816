/**
 * Iterates `source` while reading up to `limit` items ahead of the consumer.
 *
 * A driver cursor asks for its next batch only when the consumer wants an
 * item past the current one, so a consumer that writes between reads leaves
 * the database idle on the read side while it writes, and the other way
 * round. Reading ahead lets the database prepare the next batch of a stream
 * during the consumer's writes. Memory: at most `limit` items.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, limit: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let head = 0;
  let finished = false;
  let stopped = false;
  const state: { failure?: { error: unknown }; itemArrived?: () => void; spaceFreed?: () => void } = {};

  const pump = (async () => {
    try {
      while (!stopped) {
        if (buffer.length - head >= limit) {
          await new Promise<void>((resolve) => (state.spaceFreed = resolve));
          continue;
        }
        const next = await it.next();
        if (next.done) break;
        buffer.push(next.value);
        state.itemArrived?.();
      }
    } catch (error) {
      state.failure = { error };
    } finally {
      finished = true;
      state.itemArrived?.();
    }
  })();

  try {
    for (;;) {
      if (head === buffer.length) {
        if (finished) break;
        await new Promise<void>((resolve) => (state.itemArrived = resolve));
        state.itemArrived = undefined;
        continue;
      }
      const item = buffer[head]!;
      head += 1;
      // Drop consumed items now and then (cheaper than shifting one at a time).
      if (head >= 1024 && head * 2 >= buffer.length) {
        buffer.splice(0, head);
        head = 0;
      }
      state.spaceFreed?.();
      state.spaceFreed = undefined;
      yield item;
    }
    if (state.failure) throw state.failure.error;
  } finally {
    stopped = true;
    state.spaceFreed?.();
    await pump;
    await it.return?.(undefined);
  }
}
