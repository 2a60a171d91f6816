export { stripeModule } from './module.js';
export { stripeClient, stripeEnabled, STRIPE_API_VERSION } from './client.js';
export { verifyStripeEvent, handleStripeEvent } from './webhook.js';
export { STRIPE_EVENTS, stripeEvents, type StripeEventDoc } from './event-log.js';
export { stripeFailureOf } from './errors.js';
