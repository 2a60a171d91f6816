import type { ServerModule } from '../context.js';
import { badgeRoutes } from './routes.js';

/** `GET /badge.svg`: count badges for pages that cannot run a script (READMEs, forums, newsletters). */
export const badgesModule: ServerModule = {
  name: 'badges',
  routes: badgeRoutes,
};
