import type { ServerModule } from '../context.js';
import { STRIPE_API_VERSION } from './client.js';
import { stripeEvents } from './event-log.js';
import { stripeRoutes } from './routes.js';

/** Stripe: the signed webhook endpoint and the event log (deposits and payouts do the rest). */
export const stripeModule: ServerModule = {
  name: 'stripe',
  ensureIndexes: async (ctx) => {
    await stripeEvents(ctx).createIndex({ lastReceivedAt: -1 });
  },
  routes: stripeRoutes,
  start: (ctx) => {
    const stripe = ctx.config.stripe;
    if (!stripe) ctx.log.info('stripe: off (no STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET): card top-ups and Stripe payouts are unavailable');
    else ctx.log.info(`stripe: ${stripe.mode.toUpperCase()} mode${stripe.mode === 'test' ? ' (test keys: no real money moves)' : ''}, webhooks at ${ctx.config.publicUrl}/v1/webhooks/stripe (API version ${STRIPE_API_VERSION})`);
  },
};
