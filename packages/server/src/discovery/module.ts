import type { ServerModule } from '../context.js';
import { discoveryRoutes } from './routes.js';

/** `POST /v1/things/discover`: what a page or feed offers to flattr here (rel="payment", podcast:funding). */
export const discoveryModule: ServerModule = {
  name: 'discovery',
  routes: discoveryRoutes,
};
