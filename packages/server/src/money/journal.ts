import type { Db } from 'mongodb';
import { insertManyReportingDuplicates } from '../db/insert-many.js';
import { isDuplicateKeyError } from '../errors/index.js';
import { assertMinorUnits } from './money.js';

export interface Posting {
  account: string;
  /** Minor units; positive credits the account, negative debits it. */
  amount: number;
}

export interface JournalEntry {
  /** Deterministic id derived from what the entry records, e.g. `deposit:<ref>`, `dist:<period>:<reader>`. */
  _id: string;
  kind: string;
  period?: string;
  postings: Posting[];
  memo?: string;
  /** Anything else the entry records (user ids, references). Never money arithmetic. */
  meta?: Record<string, unknown>;
  createdAt: Date;
  /**
   * `pending` until every posting has reached the cached balances. Only ever
   * moves from pending to applied, so a plain `$set` is safe without atomicity.
   * `run`: a distribution entry, applied by its run as a whole (the reader's
   * debit with the entry, everyone's credits in the run's `apply` stage; the
   * run document says how far it got). `repairBalances` leaves those alone.
   */
  state: 'pending' | 'applied' | 'run';
}

/**
 * One link of an account's balance chain: the cached balance after applying
 * `entryIds`. The current balance is the link with the highest `seq`.
 */
export interface BalanceVersion {
  /** `<account>#<seq>`: inserting it is the atomic step (unique `_id`). */
  _id: string;
  account: string;
  seq: number;
  amount: number;
  /** The journal entries whose postings to `account` this link added. */
  entryIds: string[];
  /**
   * A distribution run's credit link: it applies every credit to `account` of
   * the `dist:<run>:*` entries at once (`entryIds` is then empty; listing
   * them could outgrow a document). See docs/money.md, "Distribution run".
   */
  run?: string;
  at: Date;
}

export type NewEntry = Omit<JournalEntry, 'state' | 'createdAt'> & { createdAt?: Date };

export const JOURNAL = 'journal';
export const BALANCES = 'balance_versions';

/**
 * Writes one journal entry and applies it to the cached balances.
 *
 * No transactions, and no conditional updates either: FerretDB 1.24 does not
 * apply `$inc` or filtered updates atomically under concurrency (measured: 100
 * parallel `$inc` kept 13). The only atomic step both databases share is an
 * insert under a unique key, so:
 * - the entry is inserted under its deterministic id (a second write is a no-op);
 * - each account's cached balance is a chain of versions `<account>#<seq>`;
 *   applying postings inserts the next link, and losing the race for a `seq`
 *   means re-reading and re-checking, so no posting is applied twice or lost;
 * - the entry is then marked applied. A crash anywhere leaves a state that
 *   `repairBalances` (or posting the same entry again) completes.
 *
 * @returns `true` if this call created the entry, `false` if it existed.
 */
export async function postEntry(db: Db, entry: NewEntry): Promise<boolean> {
  const doc = prepareEntry(entry);
  const journal = db.collection<JournalEntry>(JOURNAL);
  let created = true;
  let toApply = doc;
  try {
    await journal.insertOne(doc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    created = false;
    const existing = await journal.findOne({ _id: doc._id });
    if (!existing) throw error;
    assertSameEntry(existing, doc);
    if (existing.state !== 'pending') return false;
    toApply = existing;
  }
  await applyEntries(db, [toApply], created ? new Set([doc._id]) : new Set());
  return created;
}

/** The cached balance of one account (0 if it has none). */
export async function balanceOf(db: Db, account: string): Promise<number> {
  return (await latestVersion(db, account))?.amount ?? 0;
}

/** Every account's cached balance (the head of its chain), streamed in account order. */
export async function* cachedBalances(db: Db): AsyncGenerator<{ account: string; amount: number; seq: number }> {
  let current: BalanceVersion | undefined;
  const cursor = db.collection<BalanceVersion>(BALANCES)
    .find({}, { projection: { account: 1, seq: 1, amount: 1 } })
    .sort({ account: 1, seq: 1 });
  for await (const version of cursor) {
    if (current && current.account !== version.account) yield { account: current.account, amount: current.amount, seq: current.seq };
    current = version;
  }
  if (current) yield { account: current.account, amount: current.amount, seq: current.seq };
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

/** Finishes whatever an interrupted writer left: applies pending entries (each exactly once). */
export async function repairBalances(db: Db): Promise<number> {
  const pending = await db.collection<JournalEntry>(JOURNAL).find({ state: 'pending' }).toArray();
  await applyEntries(db, pending, new Set());
  return pending.length;
}

export async function ensureJournalIndexes(db: Db): Promise<void> {
  await db.collection(JOURNAL).createIndex({ 'postings.account': 1 });
  await db.collection(JOURNAL).createIndex({ period: 1, kind: 1 });
  await db.collection(JOURNAL).createIndex({ state: 1 });
  await db.collection(BALANCES).createIndex({ account: 1, seq: 1 }, { unique: true });
  await db.collection(BALANCES).createIndex({ account: 1, entryIds: 1 });
}

/**
 * Applies entries to every account they touch, then marks them applied.
 *
 * `fresh` names entries this call inserted itself: nobody else can have
 * applied those (only the lock-holding distribution applies others' pending
 * entries), so for an account whose postings are all fresh the next link is
 * inserted at the known head without asking which entries the chain holds.
 * Heads come from one read per batch (or this process's last insert); a head
 * that another process moved on makes the insert collide, and that account
 * takes the careful path.
 */
async function applyEntries(db: Db, entries: JournalEntry[], fresh: Set<string>): Promise<void> {
  if (entries.length === 0) return;
  const perAccount = new Map<string, Array<{ entryId: string; amount: number }>>();
  for (const entry of entries) {
    for (const posting of entry.postings) {
      const list = perAccount.get(posting.account) ?? [];
      list.push({ entryId: entry._id, amount: posting.amount });
      perAccount.set(posting.account, list);
    }
  }
  const fast: Array<readonly [string, Array<{ entryId: string; amount: number }>]> = [];
  const careful = new Set<string>();
  for (const [account, postings] of perAccount) {
    if (postings.every((p) => fresh.has(p.entryId))) fast.push([account, postings]);
    else careful.add(account);
  }
  const collided = await appendAtKnownHeads(db, fast);
  for (const account of collided) careful.add(account);
  await Promise.all([...careful].map((account) =>
    oneAtATime(`${db.databaseName}\u0000${account}`, () => applyToAccount(db, account, perAccount.get(account)!))));
  // One update for the batch: parallel single updates make FerretDB's SQLite answer `database is locked`.
  await db.collection<JournalEntry>(JOURNAL).updateMany(
    { _id: { $in: entries.map((e) => e._id) } },
    { $set: { state: 'applied' } },
  );
}

/** This process's view of account heads (seq, amount), kept from its own inserts and batch reads. */
const heads = new Map<string, { seq: number; amount: number }>();
const MAX_HEADS = 500_000;

async function appendAtKnownHeads(
  db: Db,
  batch: ReadonlyArray<readonly [string, Array<{ entryId: string; amount: number }>]>,
): Promise<string[]> {
  if (batch.length === 0) return [];
  const versions = db.collection<BalanceVersion>(BALANCES);
  const key = (account: string) => `${db.databaseName}\u0000${account}`;
  const unknown = batch.map(([a]) => a).filter((a) => !heads.has(key(a)));
  if (unknown.length > 0) {
    const found = new Map<string, { seq: number; amount: number }>();
    for await (const v of versions.find({ account: { $in: unknown } }, { projection: { account: 1, seq: 1, amount: 1 } })) {
      if ((found.get(v.account)?.seq ?? 0) < v.seq) found.set(v.account, { seq: v.seq, amount: v.amount });
    }
    if (heads.size + unknown.length > MAX_HEADS) heads.clear();
    for (const account of unknown) heads.set(key(account), found.get(account) ?? { seq: 0, amount: 0 });
  }
  // A concurrent writer of this process may have dropped a head while we read (its insert collided):
  // such an account takes the careful path too.
  const careful: string[] = [];
  const appendable: typeof batch[number][] = [];
  for (const item of batch) {
    if (heads.has(key(item[0]))) appendable.push(item);
    else careful.push(item[0]);
  }
  const links: BalanceVersion[] = appendable.map(([account, postings]) => {
    const head = heads.get(key(account))!;
    const amount = head.amount + postings.reduce((sum, p) => sum + p.amount, 0);
    assertMinorUnits(amount, `balance of ${account}`);
    return { _id: `${account}#${head.seq + 1}`, account, seq: head.seq + 1, amount, entryIds: postings.map((p) => p.entryId), at: new Date() };
  });
  let collided: Set<number>;
  try {
    collided = new Set(await insertManyReportingDuplicates(versions, links));
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // A duplicate without per-document detail: treat every link as unknown.
    collided = new Set(links.keys());
  }
  links.forEach((link, i) => {
    if (collided.has(i)) {
      heads.delete(key(link.account));
      careful.push(link.account);
    } else {
      heads.set(key(link.account), { seq: link.seq, amount: link.amount });
    }
  });
  // A collided link may still have been inserted by us if the error was ambiguous: the careful path checks entryIds.
  return careful;
}

/**
 * Adds postings to one account's chain. Reads the head first, THEN asks which
 * entries are already in the chain: anything inserted before the head was read
 * is seen, anything inserted after collides with our `seq` and we start over.
 */
async function applyToAccount(db: Db, account: string, postings: Array<{ entryId: string; amount: number }>): Promise<void> {
  const versions = db.collection<BalanceVersion>(BALANCES);
  for (let attempt = 0; ; attempt++) {
    const head = await latestVersion(db, account);
    const applied = new Set<string>();
    const ids = postings.map((p) => p.entryId);
    for await (const v of versions.find({ account, entryIds: { $in: ids } }, { projection: { entryIds: 1 } })) {
      for (const id of v.entryIds) applied.add(id);
    }
    const todo = postings.filter((p) => !applied.has(p.entryId));
    if (todo.length === 0) return;
    const seq = (head?.seq ?? 0) + 1;
    const amount = (head?.amount ?? 0) + todo.reduce((sum, p) => sum + p.amount, 0);
    assertMinorUnits(amount, `balance of ${account}`);
    try {
      await versions.insertOne({ _id: `${account}#${seq}`, account, seq, amount, entryIds: todo.map((p) => p.entryId), at: new Date() });
      heads.set(`${db.databaseName}\u0000${account}`, { seq, amount });
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error) || attempt > 1000) throw error;
      // Another writer took this seq: back off a little (hot accounts) and re-read.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 + attempt)));
    }
  }
}

/**
 * Writers in this process take turns per account, so a hot account (the fees,
 * the deposits source) does not make them race for the same `seq`; writers in
 * other processes are still handled by the insert-and-retry in applyToAccount.
 */
const queues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => {});
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

async function latestVersion(db: Db, account: string): Promise<BalanceVersion | null> {
  return db.collection<BalanceVersion>(BALANCES).findOne({ account }, { sort: { seq: -1 } });
}

/** Checks an entry (postings sum to zero, integer minor units, one posting per account) and stamps it. */
export function prepareEntry(entry: NewEntry, state: JournalEntry['state'] = 'pending'): JournalEntry {
  let sum = 0;
  const accountsSeen = new Set<string>();
  for (const posting of entry.postings) {
    assertMinorUnits(posting.amount, `posting to ${posting.account}`);
    if (accountsSeen.has(posting.account)) throw new Error(`journal entry ${entry._id} posts twice to ${posting.account}`);
    accountsSeen.add(posting.account);
    sum += posting.amount;
  }
  if (sum !== 0) throw new Error(`journal entry ${entry._id} does not sum to zero (${sum})`);
  return { ...entry, createdAt: entry.createdAt ?? new Date(), state };
}

function assertSameEntry(existing: JournalEntry, doc: JournalEntry): void {
  const key = (e: JournalEntry) => JSON.stringify([e.kind, e.period ?? null, e.postings]);
  if (key(existing) !== key(doc)) {
    throw new Error(`journal id ${doc._id} already records a different movement`);
  }
}
