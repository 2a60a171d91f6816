import type { ServerModule } from '../context.js';
import { thingRoutes } from './routes.js';
import { ensureThingIndexes } from './things.js';

/** Things: the content people flattr, named by their canonical URL. */
export const thingsModule: ServerModule = {
  name: 'things',
  ensureIndexes: (ctx) => ensureThingIndexes(ctx.db),
  routes: thingRoutes,
};
