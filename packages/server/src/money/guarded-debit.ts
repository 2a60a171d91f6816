import { UnprocessableError } from '../errors/index.js';
import { mayBeNegative } from './accounts.js';
import type { JournalEntry, Posting } from './journal-entry.js';

/**
 * The posting of `entry` that takes money from an account that must not go
 * below zero, or null. Such a debit is taken by one guarded update
 * (`{amount: {$gte: x}}`), so an entry may have at most one: a second guard
 * failing after the first succeeded would leave half an entry.
 */
export function guardedDebit(entry: Pick<JournalEntry, '_id' | 'postings'>): Posting | null {
  const debits = entry.postings.filter((p) => p.amount < 0 && !mayBeNegative(p.account));
  if (debits.length > 1) throw new Error(`journal entry ${entry._id} debits ${debits.length} accounts that must not go negative; split it`);
  return debits[0] ?? null;
}

/** A guarded debit found less than it needed: nothing was written. */
export class InsufficientFundsError extends UnprocessableError {
  constructor(readonly account: string, readonly available: number, needed: number) {
    super(`${account} holds ${available}, ${needed} needed`, 'insufficient_funds', { available });
  }
}
