import { ObjectId, type Db } from 'mongodb';
import { collections } from '../db/index.js';
import { cachedBalances } from '../money/index.js';
import { snapshots } from './run-doc.js';

/** What a reader can give this period, as of the snapshot. Sorted by `userId` wherever a stream of them is read. */
export interface Funds {
  userId: string;
  budget: number;
  available: number;
  /** The seq of the wallet's chain head that `available` was read from (the run's debit link goes after it). */
  seq: number;
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
  const userFilter = afterUserId ? { _id: { $gt: ObjectId.createFromHexString(afterUserId) } } : {};
  const users = collections.users(db).find(userFilter as never, { projection: { budget: 1 } }).sort({ _id: 1 }).batchSize(5000);
  const balances = cachedBalances(db);
  let balance = await balances.next();
  for await (const user of users) {
    const account = `user:${user._id.toHexString()}`;
    while (!balance.done && balance.value.account < account) balance = await balances.next();
    const head = !balance.done && balance.value.account === account ? balance.value : null;
    const budget = typeof user.budget === 'number' ? user.budget : 0;
    if (budget > 0 && head && head.amount > 0) yield { userId: user._id.toHexString(), budget, available: head.amount, seq: head.seq };
  }
  await balances.return(undefined);
}

/** The funds the run snapshotted for `period`, in user order, after a reader id. */
export async function* snapshotFunds(db: Db, period: string, afterUserId: string | null): AsyncGenerator<Funds> {
  const cursor = snapshots(db)
    .find({ _id: { $gt: `${period}:${afterUserId ?? ''}`, $lt: `${period};` } })
    .sort({ _id: 1 })
    .batchSize(5000);
  for await (const doc of cursor) {
    yield { userId: doc.userId.toHexString(), budget: doc.budget, available: doc.available, seq: doc.seq };
  }
}

/**
 * The period's clicks as of `snapshotAt`, sorted by (reader, thing), grouped
 * per reader: one reader's things at a time, never the period.
 */
export async function* readerClicks(db: Db, period: string, snapshotAt: Date, afterReaderId: string | null): AsyncGenerator<ReaderClicks> {
  const filter: Record<string, unknown> = { period, createdAt: { $lte: snapshotAt } };
  if (afterReaderId) filter.readerId = { $gt: ObjectId.createFromHexString(afterReaderId) };
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

/** A reader with their snapshotted funds (or none: they contribute nothing), and how far the funds stream is. */
export interface ReaderWithFunds {
  reader: ReaderClicks;
  funds: Funds | null;
  /** Funds passed so far, this one included: the progress through the snapshot. */
  fundsPassed: number;
}

/**
 * Walks readers (sorted) alongside funds (sorted) and pairs each reader with
 * their funds, or none: a reader without a snapshot contributes nothing.
 */
export async function* withFunds(readers: AsyncIterable<ReaderClicks>, funds: AsyncIterable<Funds>): AsyncGenerator<ReaderWithFunds> {
  const it = funds[Symbol.asyncIterator]();
  let next = await it.next();
  let passed = 0;
  for await (const reader of readers) {
    while (!next.done && next.value.userId < reader.readerId) {
      next = await it.next();
      passed += 1;
    }
    const matched = !next.done && next.value.userId === reader.readerId ? next.value : null;
    yield { reader, funds: matched, fundsPassed: passed + (matched ? 1 : 0) };
  }
  await it.return?.(undefined);
}

/**
 * Every thing's verified owner, read with one scan of `things` when a stage
 * starts (FerretDB answers any lookup other than a lone `_id` with a scan of
 * the collection, so per-batch `$in` lookups would scan it once per batch).
 * Memory grows with the number of things (about 100 bytes each), not with
 * the clicks. Also marks the things clicked, for the run's `things` total.
 */
export class OwnerMap {
  private readonly index = new Map<string, number>();
  private owners: Array<string | null> = [];
  private readonly ownerIds = new Map<string, string>();
  private clicked = new Uint8Array(0);
  private clickedCount = 0;

  private constructor(private readonly db: Db) {}

  static async load(db: Db): Promise<OwnerMap> {
    const map = new OwnerMap(db);
    const cursor = collections.things(db).find({}, { projection: { ownerId: 1 } }).batchSize(5000);
    for await (const thing of cursor) map.add(thing._id.toHexString(), thing.ownerId ? thing.ownerId.toHexString() : null);
    return map;
  }

  /** Owners of things created after the scan (none should be clicked in an ended period, but be exact) are read by `_id`. */
  async ensure(thingIds: Iterable<string>): Promise<void> {
    for (const id of thingIds) {
      if (this.index.has(id)) continue;
      const thing = await collections.things(this.db).findOne({ _id: ObjectId.createFromHexString(id) }, { projection: { ownerId: 1 } });
      this.add(id, thing?.ownerId ? thing.ownerId.toHexString() : null);
    }
  }

  /** Call `ensure` first for ids that may be new. */
  owner(thingId: string): string | null {
    const i = this.index.get(thingId);
    if (i === undefined) throw new Error(`owner of ${thingId} not loaded`);
    return this.owners[i]!;
  }

  markClicked(thingId: string): void {
    const i = this.index.get(thingId)!;
    if (this.clicked[i] === 0) {
      this.clicked[i] = 1;
      this.clickedCount += 1;
    }
  }

  /** Distinct things marked clicked. */
  get clickedThings(): number {
    return this.clickedCount;
  }

  private add(thingId: string, owner: string | null): void {
    this.index.set(thingId, this.owners.length);
    // One string per owner, not one per thing.
    if (owner !== null && !this.ownerIds.has(owner)) this.ownerIds.set(owner, owner);
    this.owners.push(owner === null ? null : this.ownerIds.get(owner)!);
    if (this.clicked.length < this.owners.length) {
      const grown = new Uint8Array(Math.max(16, this.owners.length * 2));
      grown.set(this.clicked);
      this.clicked = grown;
    }
  }
}
