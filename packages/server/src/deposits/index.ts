export { builtInProviders, demoProvider, manualProvider, type ConfirmedDeposit, type PaymentProvider } from './provider.js';
export { recordDeposit, MAX_DEPOSIT, REFERENCE_PATTERN, type Deposit } from './record-deposit.js';
export { MAX_DEMO_TOPUP } from './routes.js';
export { depositsModule } from './module.js';
