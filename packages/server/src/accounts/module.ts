import type { ServerModule } from '../context.js';
import { accountRoutes } from './routes.js';
import { ensureUserIndexes } from './users.js';

/** Users, roles, `/v1/me` (profile, budget, balance). */
export const accountsModule: ServerModule = {
  name: 'accounts',
  ensureIndexes: (ctx) => ensureUserIndexes(ctx),
  routes: (ctx) => accountRoutes(ctx),
};
