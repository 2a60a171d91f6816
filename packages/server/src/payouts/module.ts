import type { ServerModule } from '../context.js';
import { ensurePayoutIndexes } from './payouts.js';
import { payoutRoutes } from './routes.js';
import { ensureDestinationIndexes } from './destinations.js';

/** Creators take money out: request, admin export and "paid" or a Stripe transfer, all as journal entries. Their pages are /creator's payouts section and /admin's (creator-pages/, admin-pages/). */
export const payoutsModule: ServerModule = {
  name: 'payouts',
  ensureIndexes: async (ctx) => {
    await ensurePayoutIndexes(ctx);
    await ensureDestinationIndexes(ctx);
  },
  routes: (ctx) => payoutRoutes(ctx),
};
