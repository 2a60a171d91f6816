export { assertMinorUnits, splitEvenly, feeOf } from './money.js';
export { periodOf, parsePeriod, periodStart, periodEnd, addMonths, hasEnded, PERIOD_PATTERN, type Period } from './period.js';
export { accounts, mayBeNegative } from './accounts.js';
export {
  postEntry, prepareEntry, balanceOf, balanceFromJournal, repairBalances, ensureJournalIndexes,
  cachedBalances, JOURNAL, BALANCES, type JournalEntry, type NewEntry, type Posting, type BalanceVersion,
} from './journal.js';
export { appendToChains, type ChainAppend } from './balance-chain.js';
