import { ObjectId, type Db } from 'mongodb';
import { collections } from '../db/index.js';
import { cachedBalances } from '../money/index.js';
import { snapshots } from './run-doc.js';

/** What a reader can give this period, as of the snapshot. Sorted by `userId` wherever a stream of them is read. */
export interface Funds {
  userId: string;
  budget: number;
  available: number;
}

/** A reader's distinct things in the period, grouped from the sorted click stream. */
export interface ReaderClicks {
  readerId: string;
  thingIds: string[];
}

/**
 * Budgets and wallet balances of every user who could contribute (budget > 0
 * and balance > 0), read live: users sorted by id merged with their `user:<id>`
 * balances sorted by account (the same order, ObjectId hex), so neither side
 * is held in memory and no `$in` lookups are needed.
 */
export async function* liveFunds(db: Db, afterUserId: string | null): AsyncGenerator<Funds> {
  const userFilter = afterUserId ? { _id: { $gt: hexToObjectIdFilter(afterUserId) } } : {};
  const users = collections.users(db).find(userFilter as never, { projection: { budget: 1 } }).sort({ _id: 1 }).batchSize(5000);
  const balances = cachedBalances(db);
  let balance = await balances.next();
  for await (const user of users) {
    const account = `user:${user._id.toHexString()}`;
    while (!balance.done && balance.value.account < account) balance = await balances.next();
    const available = !balance.done && balance.value.account === account ? balance.value.amount : 0;
    const budget = typeof user.budget === 'number' ? user.budget : 0;
    if (budget > 0 && available > 0) yield { userId: user._id.toHexString(), budget, available };
  }
  await balances.return(undefined);
}

/** The funds the run snapshotted for `period`, in user order, after a reader id. */
export async function* snapshotFunds(db: Db, period: string, afterUserId: string | null): AsyncGenerator<Funds> {
  const cursor = snapshots(db)
    .find({ _id: { $gt: `${period}:${afterUserId ?? ''}`, $lt: `${period};` } })
    .sort({ _id: 1 })
    .batchSize(5000);
  for await (const doc of cursor) yield { userId: doc.userId.toHexString(), budget: doc.budget, available: doc.available };
}

/**
 * The period's clicks as of `snapshotAt`, sorted by (reader, thing) through an
 * index, grouped per reader: one reader's things at a time, never the period.
 */
export async function* readerClicks(db: Db, period: string, snapshotAt: Date, afterReaderId: string | null): AsyncGenerator<ReaderClicks> {
  const filter: Record<string, unknown> = { period, createdAt: { $lte: snapshotAt } };
  if (afterReaderId) filter.readerId = { $gt: hexToObjectIdFilter(afterReaderId) };
  const cursor = collections.flattrs(db)
    .find(filter as never, { projection: { _id: 0, readerId: 1, thingId: 1 } })
    .sort({ readerId: 1, thingId: 1 })
    .batchSize(5000);
  let current: ReaderClicks | null = null;
  for await (const click of cursor) {
    const readerId = click.readerId.toHexString();
    const thingId = click.thingId.toHexString();
    if (current && current.readerId !== readerId) {
      yield current;
      current = null;
    }
    current ??= { readerId, thingIds: [] };
    // Sorted by thing: a repeated thing (impossible with the unique index, but cheap to guard) is adjacent.
    if (current.thingIds[current.thingIds.length - 1] !== thingId) current.thingIds.push(thingId);
  }
  if (current) yield current;
}

/**
 * Walks readers (sorted) alongside funds (sorted) and pairs each reader with
 * their funds, or none: a reader without a snapshot contributes nothing.
 */
export async function* withFunds(
  readers: AsyncIterable<ReaderClicks>,
  funds: AsyncIterable<Funds>,
): AsyncGenerator<{ reader: ReaderClicks; funds: Funds | null }> {
  const it = funds[Symbol.asyncIterator]();
  let next = await it.next();
  for await (const reader of readers) {
    while (!next.done && next.value.userId < reader.readerId) next = await it.next();
    yield { reader, funds: !next.done && next.value.userId === reader.readerId ? next.value : null };
  }
  await it.return?.(undefined);
}

/**
 * Verified owners of things, looked up by `_id` (the one filter FerretDB
 * answers from its index) and kept in a bounded cache: memory stays flat
 * however many clicks the period has.
 */
export class OwnerCache {
  private readonly cache = new Map<string, string | null>();
  constructor(private readonly db: Db, private readonly limit = 100_000) {}

  async load(thingIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(thingIds)].filter((id) => !this.cache.has(id));
    await mapLimit(missing, 4, async (id) => {
      const thing = await collections.things(this.db).findOne({ _id: hexToObjectIdFilter(id) }, { projection: { ownerId: 1 } });
      this.set(id, thing?.ownerId ? thing.ownerId.toHexString() : null);
    });
  }

  /** Call `load` first. */
  get(thingId: string): string | null {
    const owner = this.cache.get(thingId);
    if (owner === undefined) throw new Error(`owner of ${thingId} not loaded`);
    return owner;
  }

  private set(thingId: string, owner: string | null): void {
    if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(thingId, owner);
  }
}

export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}

function hexToObjectIdFilter(hex: string): ObjectId {
  return ObjectId.createFromHexString(hex);
}
