import type { Db } from 'mongodb';
import { balances, type DebitIntent } from './balances.js';
import { clearLeftovers, completeEntry, completeIntent } from './complete-entry.js';
import { guardedDebit } from './guarded-debit.js';
import { JOURNAL, LEASE_MS, type JournalEntry } from './journal-entry.js';

export interface RepairOptions {
  /** The caller knows the earlier writers are dead (a run that took over from a crashed one): ignore their leases. */
  takeOver?: boolean;
}

/**
 * Finishes what interrupted writers left, each exactly once: guarded debits
 * recorded in an account but not yet complete (their entry may not even be in
 * the journal), and pending entries. Work younger than its lease belongs to
 * a writer presumed alive and is left alone unless `takeOver`.
 * @returns how many entries it finished (duplicate debits given back do not count).
 */
export async function repairBalances(db: Db, options: RepairOptions = {}): Promise<number> {
  let finished = 0;
  // 'intents.id' is indexed (money/collections.ts): only accounts with a debit in flight are read.
  const withIntents = balances(db).find({ 'intents.id': { $exists: true } }, { projection: { intents: 1 } });
  for await (const doc of withIntents) {
    for (const intent of doc.intents ?? []) {
      // A debit given back (a duplicate of a written entry) finishes nothing.
      if ((await claimIntent(db, doc._id, intent, options)) && (await completeIntent(db, doc._id, intent))) finished += 1;
    }
  }
  for await (const entry of db.collection<JournalEntry>(JOURNAL).find({ state: 'pending' })) {
    // An entry with a guarded debit is finished through its intent (which holds its records), above.
    if (entry.debitToken) continue;
    if (await claimEntry(db, entry, options)) {
      await completeEntry(db, entry, null);
      finished += 1;
    }
  }
  await sweepMarkers(db);
  return finished;
}

/**
 * Finishes one stored entry (or guarded debit of it) found unfinished, if
 * its lease has run out (or `takeOver`). For callers that meet an entry they
 * meant to write: posting the same entry again completes an interrupted one.
 */
export async function finishIfStale(db: Db, entry: JournalEntry, options: RepairOptions): Promise<void> {
  if (entry.state === 'applied') return clearLeftovers(db, entry);
  if (entry.state !== 'pending') return;
  const debit = guardedDebit(entry);
  if (entry.debitToken && debit) {
    const doc = await balances(db).findOne({ _id: debit.account }, { projection: { intents: 1 } });
    const intent = doc?.intents?.find((i) => i.id === entry._id && i.token === entry.debitToken);
    if (intent && (await claimIntent(db, debit.account, intent, options))) await completeIntent(db, debit.account, intent);
    return;
  }
  if (await claimEntry(db, entry, options)) await completeEntry(db, entry, null);
}

/**
 * Markers of applied entries left in accounts by writers that died before
 * clearing them (`run:` markers are the distribution's: its finalize clears them).
 */
async function sweepMarkers(db: Db): Promise<void> {
  const journal = db.collection<JournalEntry>(JOURNAL);
  for await (const doc of balances(db).find({ 'applying.0': { $exists: true } }, { projection: { applying: 1 } })) {
    for (const marker of doc.applying ?? []) {
      if (marker.startsWith('run:')) continue;
      const entry = await journal.findOne({ _id: marker }, { projection: { state: 1 } });
      if (!entry || entry.state === 'applied') await balances(db).updateOne({ _id: doc._id }, { $pull: { applying: marker } });
    }
  }
}

/** Takes a pending entry's lease (one taker wins: a conditional single-document update). */
async function claimEntry(db: Db, entry: JournalEntry, options: RepairOptions): Promise<boolean> {
  const now = new Date();
  const filter: Record<string, unknown> = { _id: entry._id, state: 'pending' };
  if (!options.takeOver) filter.$or = [{ leaseUntil: { $lt: now } }, { leaseUntil: { $exists: false } }];
  const result = await db.collection<JournalEntry>(JOURNAL).updateOne(filter as never, { $set: { leaseUntil: new Date(now.getTime() + LEASE_MS) } });
  return result.modifiedCount === 1;
}

/** Takes a guarded debit's lease by moving its `at` forward, if it is older than the lease (or `takeOver`). */
export async function claimIntent(db: Db, account: string, intent: DebitIntent, options: RepairOptions): Promise<boolean> {
  const now = new Date();
  const match: Record<string, unknown> = { id: intent.id, token: intent.token };
  if (!options.takeOver) match.at = { $lt: new Date(now.getTime() - LEASE_MS) };
  const result = await balances(db).updateOne(
    { _id: account, intents: { $elemMatch: match } },
    { $set: { 'intents.$[it].at': now } },
    { arrayFilters: [{ 'it.id': intent.id, 'it.token': intent.token }] },
  );
  return result.modifiedCount === 1;
}
