import type { ServerModule } from '../context.js';
import { depositRoutes } from './routes.js';
import { stripeDepositRoutes } from './stripe-routes.js';
import { ensureCheckoutIndexes } from './checkouts.js';
import { JOURNAL } from '../money/index.js';

/** Money coming in through payment providers (manual by an admin, card top-ups through Stripe, demo top-up in development), and going back (refunds, disputes). The reader's top-up form is on /account (reader-pages/). */
export const depositsModule: ServerModule = {
  name: 'deposits',
  ensureIndexes: async (ctx) => {
    await ensureCheckoutIndexes(ctx);
    // Refunds and disputes find the earlier reversals of their deposit (stand-in: a scan; MongoDB: this index).
    await ctx.db.collection(JOURNAL).createIndex({ 'meta.depositEntryId': 1 });
  },
  routes: (ctx) => [...depositRoutes(ctx), ...stripeDepositRoutes(ctx)],
};
