import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { balances, type DebitIntent } from './balances.js';
import { completeEntry, completeIntent } from './complete-entry.js';
import { guardedDebit, InsufficientFundsError } from './guarded-debit.js';
import { assertSameEntry, JOURNAL, LEASE_MS, prepareEntry, type JournalEntry, type NewEntry } from './journal-entry.js';
import { claimIntent, finishIfStale, type RepairOptions } from './repair.js';

export interface PostOptions extends RepairOptions {
  /** Documents written with the entry (before it is marked applied); only for an entry with a guarded debit. */
  records?: DebitIntent['records'];
}

/**
 * Writes one journal entry and applies it to the cached balances, without
 * transactions (docs/money.md, "Balances"):
 *
 * - an entry that takes money from an account that must not go negative
 *   takes it FIRST, with one guarded update that also records the whole
 *   entry in that account (`intents`). A failed guard writes nothing: it
 *   throws `InsufficientFundsError`. Then the entry goes into the journal;
 * - every other posting is applied with an update that carries the entry id
 *   as a marker (`applyOnce`): applied once, whoever runs it again;
 * - the entry is marked applied, then the markers are cleared.
 *
 * A crash anywhere leaves work that `repairBalances` (or posting the same
 * entry again once its lease ran out) finishes. Writing an entry that exists
 * is a no-op.
 *
 * @returns `true` if this call wrote the entry, `false` if it existed.
 */
export async function postEntry(db: Db, entry: NewEntry, options: PostOptions = {}): Promise<boolean> {
  const doc = prepareEntry(entry);
  const journal = db.collection<JournalEntry>(JOURNAL);
  const debit = guardedDebit(doc);
  if (!debit) {
    if (options.records?.length) throw new Error(`records go with an entry that has a guarded debit (${doc._id})`);
    try {
      await journal.insertOne({ ...doc, leaseUntil: new Date(Date.now() + LEASE_MS) });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const existing = await journal.findOne({ _id: doc._id });
      if (!existing) throw error;
      assertSameEntry(existing, doc);
      await finishIfStale(db, existing, options);
      return false;
    }
    await completeEntry(db, doc, null);
    return true;
  }

  // Written before? Then taking the money again would only have to be given back.
  const existing = await journal.findOne({ _id: doc._id });
  if (existing) {
    assertSameEntry(existing, doc);
    await finishIfStale(db, existing, options);
    return false;
  }
  const intent: DebitIntent = { id: doc._id, token: randomUUID(), amount: debit.amount, at: new Date(), entry: doc };
  if (options.records?.length) intent.records = options.records;
  const taken = await balances(db).updateOne(
    { _id: debit.account, amount: { $gte: -debit.amount }, 'intents.id': { $ne: doc._id } },
    { $inc: { amount: debit.amount }, $push: { intents: intent } },
  );
  if (taken.modifiedCount === 0) {
    const account = await balances(db).findOne({ _id: debit.account }, { projection: { amount: 1, intents: 1 } });
    const other = account?.intents?.find((i) => i.id === doc._id);
    if (other) {
      // Another call is writing this very entry (or crashed doing so).
      if (await claimIntent(db, debit.account, other, options)) return completeIntent(db, debit.account, other);
      return false;
    }
    // Written meanwhile by another call (which took the money and finished): not a lack of funds.
    const written = await journal.findOne({ _id: doc._id });
    if (written) {
      assertSameEntry(written, doc);
      return false;
    }
    throw new InsufficientFundsError(debit.account, Math.max(0, account?.amount ?? 0), -debit.amount);
  }
  return completeIntent(db, debit.account, intent);
}
