export { assertMinorUnits, splitEvenly, feeOf } from './money.js';
export { periodOf, parsePeriod, periodStart, periodEnd, addMonths, hasEnded, PERIOD_PATTERN, type Period } from './period.js';
export { accounts, mayBeNegative } from './accounts.js';
export {
  prepareEntry, assertSameEntry, balanceFromJournal, JOURNAL, LEASE_MS, type JournalEntry, type NewEntry, type Posting,
} from './journal-entry.js';
export {
  balanceOf, totalOf, cachedBalances, applyOnce, applyManyOnce, balances, BALANCES, type BalanceDoc, type DebitIntent,
} from './balances.js';
export { postEntry, type PostOptions } from './post-entry.js';
export { guardedDebit, InsufficientFundsError } from './guarded-debit.js';
export { repairBalances, type RepairOptions } from './repair.js';
export { reserveMany, settleMany, type ReservationRequest, type Settlement } from './reservations.js';
export { ensureValidator, integer, nonNegative, positive } from './validators.js';
export { ensureMoneyCollections } from './collections.js';
