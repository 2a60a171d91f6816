import type { Db } from 'mongodb';
import { BALANCES } from './balances.js';
import { JOURNAL } from './journal-entry.js';
import { balanceSchema, ensureValidator, journalSchema } from './validators.js';

/** The journal and the balances: validators first (createCollection), then indexes. */
export async function ensureMoneyCollections(db: Db): Promise<void> {
  await ensureValidator(db, JOURNAL, journalSchema);
  await ensureValidator(db, BALANCES, balanceSchema);
  await db.collection(JOURNAL).createIndex({ 'postings.account': 1 });
  await db.collection(JOURNAL).createIndex({ period: 1, kind: 1 });
  await db.collection(JOURNAL).createIndex({ state: 1 });
  // Sparse-like: only accounts with a guarded debit in flight carry intents (the repair pass looks for them).
  await db.collection(BALANCES).createIndex({ 'intents.id': 1 });
}
