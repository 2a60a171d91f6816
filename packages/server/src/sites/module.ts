import type { ServerModule } from '../context.js';
import { ensureEscrowIndexes } from './release-escrow.js';
import { siteRoutes } from './routes.js';
import { ensureSiteIndexes } from './sites.js';

/** Sites: proving control of a host, which makes its things yours and releases their escrow. */
export const sitesModule: ServerModule = {
  name: 'sites',
  ensureIndexes: async (ctx) => {
    await ensureSiteIndexes(ctx);
    await ensureEscrowIndexes(ctx);
  },
  routes: siteRoutes,
};
