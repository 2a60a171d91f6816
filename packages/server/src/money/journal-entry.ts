import type { Db } from 'mongodb';
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
   * `pending` until every posting has reached the cached balances; only ever
   * moves on to `applied`. `run`: a distribution entry, applied by its run as
   * a whole (the reader's reservation settled with the entry, everyone's
   * credits in the run's `apply` stage); the repair pass leaves those alone.
   */
  state: 'pending' | 'applied' | 'run';
  /** A pending entry's writer is presumed at work until then; afterwards the repair pass may finish it. */
  leaseUntil?: Date;
  /** The `DebitIntent.token` of the guarded debit that took this entry's money (entries with one). */
  debitToken?: string;
}

export type NewEntry = Omit<JournalEntry, 'state' | 'createdAt' | 'leaseUntil' | 'debitToken'> & { createdAt?: Date };

export const JOURNAL = 'journal';

/**
 * How long a writer may take between its steps before the repair pass
 * finishes its entry for it. A writer stalled longer than this while a repair
 * runs could apply a posting whose marker the repair has already cleared:
 * keep it well above any pause a live process makes (docs/money.md).
 */
export const LEASE_MS = 60_000;

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

export function assertSameEntry(existing: JournalEntry, doc: Pick<JournalEntry, '_id' | 'kind' | 'period' | 'postings'>): void {
  const key = (e: Pick<JournalEntry, 'kind' | 'period' | 'postings'>) => JSON.stringify([e.kind, e.period ?? null, e.postings]);
  if (key(existing) !== key(doc)) {
    throw new Error(`journal id ${doc._id} already records a different movement`);
  }
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
