export { verifyLedger, type LedgerReport, type LedgerViolation, type PeriodTotals } from './verify-ledger.js';
export { ledgerModule } from './module.js';
export { rebuildBalances, type RebuildReport, type BalanceChange } from './rebuild-balances.js';
