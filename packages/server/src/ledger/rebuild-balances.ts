import type { Db } from 'mongodb';
import { DISTRIBUTIONS } from '../db/index.js';
import { ConflictError } from '../errors/index.js';
import { balances, cachedBalances, JOURNAL, type JournalEntry } from '../money/index.js';

export interface BalanceChange {
  account: string;
  /** The spendable `amount` before (null: the account had no balance document). */
  before: number | null;
  after: number;
}

export interface RebuildReport {
  /** Accounts the journal or the balances name. */
  accounts: number;
  changed: BalanceChange[];
}

/**
 * Sets every account's cached balance from the journal, the source of truth
 * (DESIGN.md: cached values must be rebuildable from it): `amount` = the
 * account's postings summed − what its document holds in `reserved`;
 * missing documents are created. Also how a deployment whose balances lived
 * in the old `balance_versions` gets its `balances` documents.
 *
 * Only while nothing else writes money: it refuses while a distribution run
 * is unfinished (its credits are in the journal before they reach the
 * balances), or while any journal entry is pending or any guarded debit is in
 * flight (finish those with `ledger repair` first). A document changed while
 * it runs is not overwritten (each update names the amount it read): it fails
 * then, and can be run again.
 */
export async function rebuildBalances(db: Db): Promise<RebuildReport> {
  const unfinished = await db.collection(DISTRIBUTIONS).findOne({ status: { $ne: 'done' } }, { projection: { _id: 1, status: 1 } });
  if (unfinished) {
    throw new ConflictError(`the distribution of ${String(unfinished._id)} is ${String(unfinished.status)}: finish it (flattr-server distribute) before rebuilding the balances`, 'distribution_running');
  }
  const journal = db.collection<JournalEntry>(JOURNAL);
  const pending = await journal.findOne({ state: 'pending' }, { projection: { _id: 1 } });
  const inFlight = await balances(db).findOne({ 'intents.id': { $exists: true } }, { projection: { _id: 1 } });
  if (pending || inFlight) {
    const what = pending ? `journal entry ${pending._id} is pending` : `${inFlight!._id} has a guarded debit in flight`;
    throw new ConflictError(`${what}: let its writer finish or run flattr-server ledger repair, then rebuild`, 'ledger_busy');
  }

  const totals = new Map<string, number>();
  for await (const entry of journal.find({}, { projection: { postings: 1 }, batchSize: 1000 })) {
    for (const p of entry.postings) totals.set(p.account, (totals.get(p.account) ?? 0) + p.amount);
  }
  const changed: BalanceChange[] = [];
  let count = 0;
  for await (const doc of cachedBalances(db)) {
    count += 1;
    const reserved = Object.values(doc.reserved ?? {}).reduce((s, v) => s + v, 0);
    const amount = (totals.get(doc._id) ?? 0) - reserved;
    totals.delete(doc._id);
    if (amount === doc.amount) continue;
    const result = await balances(db).updateOne({ _id: doc._id, amount: doc.amount }, { $set: { amount } });
    if (result.modifiedCount !== 1) throw new Error(`${doc._id} changed while the balances were rebuilt: something is writing money; run the rebuild again when nothing is`);
    changed.push({ account: doc._id, before: doc.amount, after: amount });
  }
  for (const [account, amount] of [...totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    count += 1;
    try {
      await balances(db).insertOne({ _id: account, amount });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      throw new Error(`${account} was created while the balances were rebuilt: something is writing money; run the rebuild again when nothing is`);
    }
    changed.push({ account, before: null, after: amount });
  }
  return { accounts: count, changed };
}
