export { builtInProviders } from './providers.js';
export {
  demoProvider, manualProvider, CHECKOUT_RETURN_PATH,
  type ConfirmedDeposit, type PaymentProvider, type DepositEvent, type DepositReversal, type DepositReinstatement, type CheckoutState,
} from './provider.js';
export { recordDeposit, MAX_DEPOSIT, REFERENCE_PATTERN, type Deposit } from './record-deposit.js';
export { MAX_DEMO_TOPUP } from './routes.js';
export { depositsModule } from './module.js';
export { stripeProvider, USER_METADATA_KEY } from './stripe-provider.js';
export { depositEventsOf, missingDepositOf } from './stripe-events.js';
export { applyDepositEvent } from './apply-event.js';
export { recordReversal, recordReinstatement } from './reversals.js';
export { collectDebt, debtOf, listDebts } from './debts.js';
export { checkouts, CHECKOUTS, type CheckoutDoc } from './checkouts.js';
