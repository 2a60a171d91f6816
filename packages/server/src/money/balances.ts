import type { Collection, Db, Document } from 'mongodb';
import type { JournalEntry } from './journal-entry.js';

export const BALANCES = 'balances';

/**
 * An account's cached balance: one document per account, changed only by
 * atomic single-document updates (docs/money.md, "Balances").
 */
export interface BalanceDoc {
  /** The account name, e.g. `user:<id>`, `platform:fees`. */
  _id: string;
  /** Spendable: what a guarded debit may take. Excludes `reserved`. */
  amount: number;
  /** Money a distribution run holds for its period (`reserved.<period>`), taken out of `amount` by its snapshot. */
  reserved?: Record<string, number>;
  /**
   * Markers of what is applied to `amount` but not finished yet: journal
   * entry ids (until the entry is marked applied) and `run:<period>` (a run's
   * credits, until the run finalizes). An update carrying a marker that is
   * already here matches nothing, so applying twice is impossible.
   */
  applying?: string[];
  /** Guarded debits taken before their journal entry was complete (see `DebitIntent`). */
  intents?: DebitIntent[];
}

/**
 * A guarded debit, recorded in the debited account's document by the very
 * update that takes the money: the entry it belongs to, whole, so that a
 * crash before the entry reaches the journal loses nothing (the repair pass
 * writes it). `token` tells this debit from a duplicate one of the same entry.
 */
export interface DebitIntent {
  id: string;
  token: string;
  /** The posting's amount (negative). */
  amount: number;
  at: Date;
  entry: JournalEntry;
  /** Documents that go with the entry (e.g. the payout request), inserted before it is marked applied. */
  records?: Array<{ collection: string; doc: Document }>;
}

export const balances = (db: Db): Collection<BalanceDoc> => db.collection<BalanceDoc>(BALANCES);

/** The spendable balance of one account (0 if it has none): reserved money not included. */
export async function balanceOf(db: Db, account: string): Promise<number> {
  return (await balances(db).findOne({ _id: account }, { projection: { amount: 1 } }))?.amount ?? 0;
}

/** Spendable plus reserved: what the journal says the account holds once every writer has finished. */
export function totalOf(doc: Pick<BalanceDoc, 'amount' | 'reserved'>): number {
  let total = doc.amount;
  for (const value of Object.values(doc.reserved ?? {})) total += value;
  return total;
}

/** Every account's balance document, streamed in account order. */
export function cachedBalances(db: Db): AsyncIterable<BalanceDoc> {
  return balances(db).find({}).sort({ _id: 1 }).batchSize(5000);
}

/**
 * Adds `amount` to `account` once for `marker` (an entry id or `run:<period>`):
 * the classic idempotent update. The filter excludes documents that carry
 * the marker; the upsert creates a missing account. The filter is not
 * equality-only, so MongoDB does not retry an upsert that lost a race to
 * create the same document: an E11000 means only that the document exists
 * now (with the marker, or created by a concurrent upsert without it). The
 * same update without upsert then decides: it matches nothing only if the
 * marker is there, i.e. applied already.
 * @returns whether this call applied it.
 */
export async function applyOnce(db: Db, account: string, amount: number, marker: string): Promise<boolean> {
  const filter = { _id: account, applying: { $ne: marker } };
  const update = { $inc: { amount }, $push: { applying: marker } };
  try {
    const result = await balances(db).updateOne(filter, update, { upsert: true });
    return result.modifiedCount + result.upsertedCount > 0;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  // Balance documents are never deleted: it exists now, so no upsert is needed.
  return (await balances(db).updateOne(filter, update)).modifiedCount > 0;
}

/**
 * The bulk form of `applyOnce` for a distribution run's credits: one
 * unordered bulkWrite; the operations that failed with E11000 (marker there
 * already, or a concurrent upsert created the document) are done again
 * without upsert, as in `applyOnce`.
 */
export async function applyManyOnce(db: Db, credits: ReadonlyArray<readonly [string, number]>, marker: string): Promise<void> {
  if (credits.length === 0) return;
  const op = ([account, amount]: readonly [string, number], upsert: boolean) => ({
    updateOne: { filter: { _id: account, applying: { $ne: marker } }, update: { $inc: { amount }, $push: { applying: marker } }, upsert },
  });
  try {
    await balances(db).bulkWrite(credits.map((c) => op(c, true)), { ordered: false });
  } catch (error) {
    const writeErrors = [(error as { writeErrors?: unknown }).writeErrors].flat()
      .filter((e): e is { code?: number; index?: number } => typeof e === 'object' && e !== null);
    if (writeErrors.length === 0 || !writeErrors.every((e) => e.code === 11000 && typeof e.index === 'number')) throw error;
    await balances(db).bulkWrite(writeErrors.map((e) => op(credits[e.index!]!, false)), { ordered: false });
  }
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

/** Removes a finished marker from the accounts it was applied to. */
export async function clearMarker(db: Db, accounts: readonly string[], marker: string): Promise<void> {
  await Promise.all(accounts.map((account) => balances(db).updateOne({ _id: account }, { $pull: { applying: marker } })));
}
