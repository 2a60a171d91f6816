import type { Db } from 'mongodb';
import { isDuplicateKeyError } from '../errors/index.js';
import { assertMinorUnits } from './money.js';

export interface Posting {
  account: string;
  /** Minor units; positive credits the account, negative debits it. */
  amount: number;
}

export interface JournalEntry {
  /** Deterministic id derived from what the entry records, e.g. `deposit:<ref>`, `share:<period>:<reader>:<thing>`. */
  _id: string;
  kind: string;
  period?: string;
  postings: Posting[];
  memo?: string;
  /** Anything else the entry records (user ids, references). Never money arithmetic. */
  meta?: Record<string, unknown>;
  createdAt: Date;
  /** `pending` until every posting has reached the cached balances. */
  state: 'pending' | 'applied';
  /** While pending: until when one writer has the sole right to apply it (postEntry). */
  leaseUntil?: Date;
}

export interface CachedBalance {
  _id: string;
  amount: number;
  /** Entries applied to `amount` but not yet marked applied in the journal (the two-phase guard). */
  pending: string[];
}

export type NewEntry = Omit<JournalEntry, 'state' | 'createdAt'> & { createdAt?: Date };

export const JOURNAL = 'journal';
export const BALANCES = 'balances';

/**
 * Writes one journal entry and applies it to the cached balances.
 *
 * There are no transactions: the entry is inserted `pending` under a
 * deterministic id (a second write of the same entry is a no-op), each
 * balance update is guarded by `pending: {$ne: id}` so it happens once,
 * then the entry is marked applied. A crash anywhere leaves a state that
 * `repairBalances` (or simply posting the same entry again) completes.
 *
 * Only one writer applies a pending entry at a time: the one holding its
 * lease (`leaseUntil`; the inserting writer holds it from the insert).
 * Without it, a concurrent second post of the same entry could apply a
 * posting again just after the first writer cleared its guards. A lease
 * left by a crashed writer expires after LEASE_MS.
 *
 * @returns `true` if this call created the entry, `false` if it existed.
 */
export async function postEntry(db: Db, entry: NewEntry): Promise<boolean> {
  const doc = prepare(entry);
  const journal = db.collection<JournalEntry>(JOURNAL);
  try {
    await journal.insertOne({ ...doc, leaseUntil: new Date(Date.now() + LEASE_MS) });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await journal.findOne({ _id: doc._id });
    if (!existing) throw error;
    assertSameEntry(existing, doc);
    if (existing.state === 'pending' && await takeLease(db, doc._id)) await applyLeased(db, existing);
    return false;
  }
  await applyLeased(db, doc);
  return true;
}

/**
 * Writes many entries at once (the distribution's batches). Same guarantees
 * as `postEntry`; balance updates are grouped per account for speed and fall
 * back to one-by-one where a previous, interrupted attempt already applied some.
 */
export async function postEntries(db: Db, entries: NewEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const docs = entries.map(prepare);
  const journal = db.collection<JournalEntry>(JOURNAL);
  try {
    await journal.insertMany(docs, { ordered: false });
  } catch (error) {
    // Duplicates are entries written by an interrupted earlier attempt: fine, they are re-applied below.
    const writeErrors = (error as { writeErrors?: Array<{ code?: number }> }).writeErrors;
    const onlyDuplicates = Array.isArray(writeErrors) && writeErrors.every((e) => e.code === 11000);
    if (!onlyDuplicates && !isDuplicateKeyError(error)) throw error;
  }
  const stored = await journal.find({ _id: { $in: docs.map((d) => d._id) } }).toArray();
  const byId = new Map(stored.map((e) => [e._id, e]));
  for (const doc of docs) assertSameEntry(byId.get(doc._id)!, doc);
  const todo = stored.filter((e) => e.state === 'pending');
  if (todo.length === 0) return;

  const perAccount = new Map<string, { amount: number; ids: string[] }>();
  for (const entry of todo) {
    for (const posting of entry.postings) {
      const group = perAccount.get(posting.account) ?? { amount: 0, ids: [] };
      group.amount += posting.amount;
      if (!group.ids.includes(entry._id)) group.ids.push(entry._id);
      perAccount.set(posting.account, group);
    }
  }
  const balances = db.collection<CachedBalance>(BALANCES);
  const slow: string[] = [];
  await Promise.all([...perAccount].map(async ([account, group]) => {
    try {
      const result = await balances.updateOne(
        { _id: account, pending: { $nin: group.ids } },
        { $inc: { amount: group.amount }, $push: { pending: { $each: group.ids } } },
        { upsert: true },
      );
      if (result.matchedCount === 0 && result.upsertedCount === 0) slow.push(account);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      slow.push(account);
    }
  }));
  // Accounts that already carry some of these ids: apply entry by entry, each guarded.
  for (const account of slow) {
    for (const entry of todo) {
      for (const posting of entry.postings.filter((p) => p.account === account)) {
        await applyPosting(db, entry._id, posting);
      }
    }
  }
  const ids = todo.map((e) => e._id);
  await journal.updateMany({ _id: { $in: ids } }, { $set: { state: 'applied' } });
  await balances.updateMany({ _id: { $in: [...perAccount.keys()] } }, { $pull: { pending: { $in: ids } } });
}

/** The cached balance of one account (0 if it has none). */
export async function balanceOf(db: Db, account: string): Promise<number> {
  const doc = await db.collection<CachedBalance>(BALANCES).findOne({ _id: account });
  return doc?.amount ?? 0;
}

/** The balance of one account recomputed from the journal alone (the source of truth). */
export async function balanceFromJournal(db: Db, account: string): Promise<number> {
  const [row] = await db.collection<JournalEntry>(JOURNAL).aggregate<{ total: number }>([
    { $match: { 'postings.account': account } },
    { $unwind: '$postings' },
    { $match: { 'postings.account': account } },
    { $group: { _id: null, total: { $sum: '$postings.amount' } } },
  ]).toArray();
  return row?.total ?? 0;
}

/** Finishes whatever an interrupted writer left: re-applies pending entries and clears stale guards. */
export async function repairBalances(db: Db): Promise<number> {
  const journal = db.collection<JournalEntry>(JOURNAL);
  let repaired = 0;
  for await (const entry of journal.find({ state: 'pending' })) {
    // An entry whose writer still holds the lease is being applied right now.
    if (!(await takeLease(db, entry._id))) continue;
    await applyLeased(db, entry);
    repaired += 1;
  }
  const balances = db.collection<CachedBalance>(BALANCES);
  for await (const balance of balances.find({ 'pending.0': { $exists: true } })) {
    const applied = await journal.find({ _id: { $in: balance.pending }, state: 'applied' }, { projection: { _id: 1 } }).toArray();
    if (applied.length) await balances.updateOne({ _id: balance._id }, { $pull: { pending: { $in: applied.map((e) => e._id) } } });
  }
  return repaired;
}

export async function ensureJournalIndexes(db: Db): Promise<void> {
  await db.collection(JOURNAL).createIndex({ 'postings.account': 1 });
  await db.collection(JOURNAL).createIndex({ period: 1, kind: 1 });
  await db.collection(JOURNAL).createIndex({ state: 1 });
}

/** How long a writer may take to apply one entry before another may take over. */
const LEASE_MS = 30_000;

/** Takes the right to apply a pending entry, if nobody holds it (or their lease expired). */
async function takeLease(db: Db, id: string): Promise<boolean> {
  const now = new Date();
  const { modifiedCount } = await db.collection<JournalEntry>(JOURNAL).updateOne(
    { _id: id, state: 'pending', $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }] },
    { $set: { leaseUntil: new Date(now.getTime() + LEASE_MS) } },
  );
  return modifiedCount === 1;
}

/** Applies an entry whose lease this writer holds; gives the lease back if it fails, so a retry need not wait. */
async function applyLeased(db: Db, entry: JournalEntry): Promise<void> {
  try {
    await applyEntry(db, entry);
  } catch (error) {
    await db.collection<JournalEntry>(JOURNAL).updateOne({ _id: entry._id, state: 'pending' }, { $unset: { leaseUntil: '' } }).catch(() => {});
    throw error;
  }
}

async function applyEntry(db: Db, entry: JournalEntry): Promise<void> {
  for (const posting of entry.postings) await applyPosting(db, entry._id, posting);
  await db.collection<JournalEntry>(JOURNAL).updateOne({ _id: entry._id }, { $set: { state: 'applied' }, $unset: { leaseUntil: '' } });
  await db.collection<CachedBalance>(BALANCES).updateMany(
    { _id: { $in: entry.postings.map((p) => p.account) } },
    { $pull: { pending: entry._id } },
  );
}

async function applyPosting(db: Db, entryId: string, posting: Posting): Promise<void> {
  try {
    await db.collection<CachedBalance>(BALANCES).updateOne(
      { _id: posting.account, pending: { $ne: entryId } },
      { $inc: { amount: posting.amount }, $push: { pending: entryId } },
      { upsert: true },
    );
  } catch (error) {
    // The account exists and already carries this entry: applied before.
    if (!isDuplicateKeyError(error)) throw error;
  }
}

function prepare(entry: NewEntry): JournalEntry {
  let sum = 0;
  const accountsSeen = new Set<string>();
  for (const posting of entry.postings) {
    assertMinorUnits(posting.amount, `posting to ${posting.account}`);
    if (accountsSeen.has(posting.account)) throw new Error(`journal entry ${entry._id} posts twice to ${posting.account}`);
    accountsSeen.add(posting.account);
    sum += posting.amount;
  }
  if (sum !== 0) throw new Error(`journal entry ${entry._id} does not sum to zero (${sum})`);
  return { ...entry, createdAt: entry.createdAt ?? new Date(), state: 'pending' };
}

function assertSameEntry(existing: JournalEntry, doc: JournalEntry): void {
  const key = (e: JournalEntry) => JSON.stringify([e.kind, e.period ?? null, e.postings]);
  if (key(existing) !== key(doc)) {
    throw new Error(`journal id ${doc._id} already records a different movement`);
  }
}
