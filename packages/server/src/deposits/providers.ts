import { demoProvider, manualProvider, type PaymentProvider } from './provider.js';
import { stripeProvider } from './stripe-provider.js';

/**
 * Every provider this server knows, each on or off by its own configuration
 * (`isEnabled`). The reader's top-up form shows a button for each enabled one
 * a reader can use by themselves (reader-pages/top-up.ts), in this order.
 */
export const builtInProviders: readonly PaymentProvider[] = [manualProvider, stripeProvider, demoProvider];
