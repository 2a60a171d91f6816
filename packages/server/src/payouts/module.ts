import type { ServerModule } from '../context.js';
import { ensurePayoutIndexes } from './payouts.js';
import { payoutRoutes } from './routes.js';
import { ensureDestinationIndexes } from './destinations.js';
import { creatorPayoutPageRoutes } from './pages.js';

/** Creators take money out: request, admin export and "paid", all as journal entries. */
export const payoutsModule: ServerModule = {
  name: 'payouts',
  ensureIndexes: async (ctx) => {
    await ensurePayoutIndexes(ctx);
    await ensureDestinationIndexes(ctx);
  },
  routes: (ctx) => [...payoutRoutes(ctx), ...creatorPayoutPageRoutes(ctx)],
};
