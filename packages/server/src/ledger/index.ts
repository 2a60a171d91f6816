export { verifyLedger, type LedgerReport, type LedgerViolation, type PeriodTotals } from './verify-ledger.js';
export { ledgerModule } from './module.js';
