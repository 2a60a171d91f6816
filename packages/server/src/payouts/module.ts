import type { ServerModule } from '../context.js';
import { ensurePayoutIndexes } from './payouts.js';
import { payoutRoutes } from './routes.js';

/** Creators take money out: request, admin export and "paid", all as journal entries. */
export const payoutsModule: ServerModule = {
  name: 'payouts',
  ensureIndexes: ensurePayoutIndexes,
  routes: payoutRoutes,
};
