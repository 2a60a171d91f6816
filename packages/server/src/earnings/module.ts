import type { ServerModule } from '../context.js';
import { earningsRoutes } from './routes.js';

/** What creators earned, per period and thing, read from the journal. */
export const earningsModule: ServerModule = {
  name: 'earnings',
  routes: earningsRoutes,
};
