import type { Db } from 'mongodb';
import { applyOnce, balances, clearMarker, type DebitIntent } from './balances.js';
import { guardedDebit } from './guarded-debit.js';
import { JOURNAL, LEASE_MS, type JournalEntry } from './journal-entry.js';

/**
 * Steps after the journal insert, the same for a live writer and the repair
 * pass: apply every posting except the guarded debit (already taken) once,
 * insert the records that go with the entry, mark the entry applied, then
 * clear the markers. Each step is idempotent, so a crash anywhere leaves
 * work that running this again finishes without applying anything twice.
 */
export async function completeEntry(db: Db, entry: JournalEntry, debit: { account: string; intent: DebitIntent | null } | null): Promise<void> {
  const credited = entry.postings.filter((p) => p.account !== debit?.account);
  await Promise.all(credited.map((p) => applyOnce(db, p.account, p.amount, entry._id)));
  for (const record of debit?.intent?.records ?? []) {
    try {
      await db.collection(record.collection).insertOne(record.doc);
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }
  await db.collection<JournalEntry>(JOURNAL).updateOne({ _id: entry._id, state: 'pending' }, { $set: { state: 'applied' }, $unset: { leaseUntil: '' } });
  await clearMarker(db, credited.map((p) => p.account), entry._id);
  if (debit?.intent) {
    await balances(db).updateOne({ _id: debit.account }, { $pull: { intents: { id: entry._id, token: debit.intent.token } } });
  }
}

/**
 * Brings a guarded debit that has already taken its money to its journal
 * entry: inserts the entry (carrying the debit's token) and completes it. If
 * the journal holds the entry with another token, this debit was a second
 * one for an entry already written (two calls racing on one id): it is
 * given back instead.
 * @returns true if the entry is this debit's, false if the debit was given back.
 */
export async function completeIntent(db: Db, account: string, intent: DebitIntent): Promise<boolean> {
  const journal = db.collection<JournalEntry>(JOURNAL);
  const entry: JournalEntry = { ...intent.entry, state: 'pending', debitToken: intent.token, leaseUntil: new Date(Date.now() + LEASE_MS) };
  try {
    await journal.insertOne(entry);
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const stored = await journal.findOne({ _id: entry._id });
    if (!stored) throw error;
    if (stored.debitToken !== intent.token) {
      await balances(db).updateOne(
        { _id: account, intents: { $elemMatch: { id: intent.id, token: intent.token } } },
        { $inc: { amount: -intent.amount }, $pull: { intents: { id: intent.id, token: intent.token } } },
      );
      return false;
    }
    if (stored.state !== 'pending') {
      // Applied already, but for the last steps: its credits must not be applied again (their markers may be gone).
      await clearLeftovers(db, stored);
      return true;
    }
  }
  await completeEntry(db, entry, { account, intent });
  return true;
}

/**
 * What a writer that died between marking its entry applied and clearing its
 * marks left: markers (inert, but they would stay for ever) and the intent
 * of its guarded debit. Only the intent with the entry's own token is
 * removed: another one is a duplicate debit that must be given back.
 */
export async function clearLeftovers(db: Db, entry: JournalEntry): Promise<void> {
  const debit = guardedDebit(entry);
  await clearMarker(db, entry.postings.filter((p) => p.account !== debit?.account).map((p) => p.account), entry._id);
  if (debit && entry.debitToken) {
    await balances(db).updateOne({ _id: debit.account }, { $pull: { intents: { id: entry._id, token: entry.debitToken } } });
  }
}

