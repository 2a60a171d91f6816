export { payoutsModule } from './module.js';
export {
  requestPayout, markPaid, listPayouts, listPayoutsOf, availableForPayout, ensurePayoutIndexes, PAYOUTS,
  type PayoutDoc, type StoredPayoutStatus,
} from './payouts.js';
export { formatMinorUnits, toCsv, payoutsCsv, PAYOUT_CSV_COLUMNS } from './csv.js';
