import type Stripe from 'stripe';
import type { JournalEntry } from '../money/index.js';

/** One line of a reconciliation: a Stripe balance transaction, its journal entry, or both. */
export interface ReconciliationRow {
  /** `matched`; `amount_differs`; `only_in_stripe` (Stripe moved money the journal does not know); `only_in_journal` (the journal records money Stripe did not move in this window); `not_journaled` (Stripe's own fees and bank payouts: no journal entry by design). */
  status: 'matched' | 'amount_differs' | 'only_in_stripe' | 'only_in_journal' | 'not_journaled';
  stripeId: string | null;
  type: string;
  /** Signed as the journal sees the platform's side: money in positive. */
  stripeAmount: number | null;
  stripeFee: number | null;
  entryId: string | null;
  journalAmount: number | null;
  created: string;
}

/** A balance transaction with what it points at resolved (the charge's PaymentIntent, the transfer's payout entry). */
export interface ResolvedTransaction {
  transaction: Pick<Stripe.BalanceTransaction, 'id' | 'type' | 'amount' | 'fee' | 'created' | 'currency'>;
  /** The journal entry id this transaction should have, or null for transactions the journal does not record. */
  entryId: string | null;
}

/** How much an entry moved between the operator and Stripe (from the operator's side, money in positive). */
export function journalAmountOf(entry: Pick<JournalEntry, 'postings'>): number {
  const external = entry.postings.find((p) => p.account === 'external:deposits' || p.account === 'external:payouts');
  return external ? -external.amount : 0;
}

/**
 * Sets Stripe's balance transactions of a window beside the journal's Stripe
 * entries and lists every difference. A transaction is matched with its
 * entry by the entry's deterministic id, wherever the entry's date falls; an
 * entry of the window that no transaction names is `only_in_journal`.
 * Pure: the caller reads Stripe and the journal.
 */
export function compareRecords(
  transactions: ResolvedTransaction[],
  entriesById: Map<string, Pick<JournalEntry, '_id' | 'postings' | 'createdAt'>>,
  entriesInWindow: Array<Pick<JournalEntry, '_id' | 'postings' | 'createdAt'>>,
): ReconciliationRow[] {
  const rows: ReconciliationRow[] = [];
  const named = new Set<string>();
  for (const { transaction, entryId } of transactions) {
    const created = new Date(transaction.created * 1000).toISOString();
    const base = { stripeId: transaction.id, type: transaction.type, stripeAmount: transaction.amount, stripeFee: transaction.fee, created };
    if (!entryId) {
      rows.push({ ...base, status: 'not_journaled', entryId: null, journalAmount: null });
      continue;
    }
    named.add(entryId);
    const entry = entriesById.get(entryId);
    if (!entry) {
      rows.push({ ...base, status: 'only_in_stripe', entryId, journalAmount: null });
      continue;
    }
    const journalAmount = journalAmountOf(entry);
    rows.push({ ...base, status: journalAmount === transaction.amount ? 'matched' : 'amount_differs', entryId, journalAmount });
  }
  for (const entry of entriesInWindow) {
    if (named.has(entry._id)) continue;
    rows.push({
      status: 'only_in_journal', stripeId: null, type: entry._id.split(':')[0]!, stripeAmount: null, stripeFee: null,
      entryId: entry._id, journalAmount: journalAmountOf(entry), created: entry.createdAt.toISOString(),
    });
  }
  return rows.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}
