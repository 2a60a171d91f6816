import { ObjectId, type Db } from 'mongodb';
import { collections } from '../db/index.js';
import { balances, type BalanceDoc } from '../money/index.js';
import { snapshots } from './run-doc.js';

/** What a reader can give this period. Sorted by `userId` wherever a stream of them is read. */
export interface Funds {
  userId: string;
  budget: number;
  /** The wallet's spendable balance when it was read. */
  available: number;
  /** What the reader gives if they have things to pay: the run's reservation, or `min(budget, available)` in a dry run. */
  contribution: number;
}

/** A reader's distinct things in the period, grouped from the sorted click stream. */
export interface ReaderClicks {
  readerId: string;
  thingIds: string[];
}

/**
 * Every user with a wallet and a budget (or a reservation for `period`, made
 * before a crash: it must be found whatever the budget is now), with the
 * wallet's document: users sorted by id merged with the `user:<id>` balance
 * documents sorted by `_id` (the same order, ObjectId hex), so neither side
 * is held in memory and no lookups are needed.
 */
export async function* walletsWithBudget(db: Db, afterUserId: string | null, period: string | null): AsyncGenerator<{ userId: string; budget: number; wallet: BalanceDoc }> {
  const userFilter = afterUserId ? { _id: { $gt: ObjectId.createFromHexString(afterUserId) } } : {};
  const users = collections.users(db).find(userFilter as never, { projection: { budget: 1 } }).sort({ _id: 1 }).batchSize(5000);
  const from = afterUserId ? `user:${afterUserId}` : 'user:';
  const wallets = balances(db)
    .find({ _id: { $gt: from, $lt: 'user;' } }, { projection: { amount: 1, reserved: 1 } })
    .sort({ _id: 1 })
    .batchSize(5000)[Symbol.asyncIterator]();
  let wallet = await wallets.next();
  for await (const user of users) {
    const account = `user:${user._id.toHexString()}`;
    while (!wallet.done && wallet.value._id < account) wallet = await wallets.next();
    const budget = typeof user.budget === 'number' ? user.budget : 0;
    if (wallet.done || wallet.value._id !== account) continue;
    if (budget > 0 || (period !== null && wallet.value.reserved?.[period] !== undefined)) yield { userId: user._id.toHexString(), budget, wallet: wallet.value };
  }
  await wallets.return?.(undefined);
}

/** Live budgets and balances of every user who could contribute (the dry run: nothing reserved). */
export async function* liveFunds(db: Db): AsyncGenerator<Funds> {
  for await (const { userId, budget, wallet } of walletsWithBudget(db, null, null)) {
    if (wallet.amount > 0) yield { userId, budget, available: wallet.amount, contribution: Math.min(budget, wallet.amount) };
  }
}

/** The funds the run snapshotted for `period`, in user order, after a reader id. */
export async function* snapshotFunds(db: Db, period: string, afterUserId: string | null): AsyncGenerator<Funds> {
  const cursor = snapshots(db)
    .find({ _id: { $gt: `${period}:${afterUserId ?? ''}`, $lt: `${period};` } })
    .sort({ _id: 1 })
    .batchSize(5000);
  for await (const doc of cursor) {
    yield { userId: doc.userId.toHexString(), budget: doc.budget, available: doc.available, contribution: doc.contribution };
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

/**
 * One step of the walk over readers and funds, in user id order: a reader
 * with their funds, a reader without (they contribute nothing), or funds
 * without a reader (a user with a budget who clicked nothing: the run gives
 * their reservation back).
 */
export interface ReaderWithFunds {
  reader: ReaderClicks | null;
  funds: Funds | null;
  /** Funds passed so far, this one included: the progress through the snapshot. */
  fundsPassed: number;
}

/** The id of a step (its reader's or its funds'): what a checkpoint records. */
export function stepId(step: ReaderWithFunds): string {
  return step.reader?.readerId ?? step.funds!.userId;
}

/** Walks readers (sorted) alongside funds (sorted), pairing each reader with their funds. */
export async function* withFunds(readers: AsyncIterable<ReaderClicks>, funds: AsyncIterable<Funds>): AsyncGenerator<ReaderWithFunds> {
  const it = funds[Symbol.asyncIterator]();
  let next = await it.next();
  let passed = 0;
  for await (const reader of readers) {
    while (!next.done && next.value.userId < reader.readerId) {
      passed += 1;
      yield { reader: null, funds: next.value, fundsPassed: passed };
      next = await it.next();
    }
    const matched = !next.done && next.value.userId === reader.readerId ? next.value : null;
    if (matched) {
      passed += 1;
      next = await it.next();
    }
    yield { reader, funds: matched, fundsPassed: passed };
  }
  while (!next.done) {
    passed += 1;
    yield { reader: null, funds: next.value, fundsPassed: passed };
    next = await it.next();
  }
}

/**
 * Every thing's verified owner, read with one scan of `things` when a stage
 * starts (cheaper than a lookup per batch: the stream touches most things
 * in every batch). Memory grows with the number of things (about 100 bytes each), not with
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
