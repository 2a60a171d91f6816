import type { ServerModule } from '../context.js';
import { ensureFlattrIndexes } from './indexes.js';
import { flattrRoutes } from './routes.js';

/** Flattrs: readers' clicks, one per reader, thing and month. */
export const flattrsModule: ServerModule = {
  name: 'flattrs',
  ensureIndexes: ensureFlattrIndexes,
  routes: flattrRoutes,
};
