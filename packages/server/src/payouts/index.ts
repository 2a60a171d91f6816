export { payoutsModule } from './module.js';
export {
  requestPayout, markPaid, payouts, listPayouts, listPayoutsOf, availableForPayout, ensurePayoutIndexes, PAYOUTS,
  type PayoutDoc, type StoredPayoutStatus,
} from './payouts.js';
export { formatMinorUnits, toCsv, payoutsCsv, PAYOUT_CSV_COLUMNS } from './csv.js';
export { approvePayout, recordTransferPaid, failPayout, recordTransferReversal, PAYOUT_METADATA_KEY } from './transfers.js';
export { applyPayoutEvent } from './stripe-events.js';
export {
  destinations, destinationOf, startStripeOnboarding, refreshStripeAccount, useManualPayouts, setBankAccount, PAYOUT_DESTINATIONS, type PayoutDestinationDoc,
} from './destinations.js';
export { bankAccountSchema } from './routes.js';
export { sepaExportOfDue } from './sepa.js';
