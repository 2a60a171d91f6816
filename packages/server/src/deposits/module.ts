import type { ServerModule } from '../context.js';
import { depositRoutes } from './routes.js';

/** Money coming in through payment providers (manual by an admin, demo top-up in development). */
export const depositsModule: ServerModule = {
  name: 'deposits',
  routes: depositRoutes,
};
