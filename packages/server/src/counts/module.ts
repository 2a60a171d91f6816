import type { ServerModule } from '../context.js';
import { countRoutes } from './routes.js';

/** Public, batched, cacheable click counts for the buttons (reads the things collection). */
export const countsModule: ServerModule = {
  name: 'counts',
  routes: countRoutes,
};
