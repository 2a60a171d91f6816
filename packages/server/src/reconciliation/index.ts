export { reconcileStripe, type Reconciliation } from './reconcile-stripe.js';
export { compareRecords, journalAmountOf, type ReconciliationRow, type ResolvedTransaction } from './compare.js';
export { reconciliationModule } from './module.js';
