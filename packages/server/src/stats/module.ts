import type { ServerModule } from '../context.js';
import { statsRoutes } from './routes.js';

/** The public, honest log of each distributed month. */
export const statsModule: ServerModule = {
  name: 'stats',
  routes: statsRoutes,
};
