import type { ServerModule } from '../context.js';
import { subscriptionRoutes } from './routes.js';
import { ensureSubscriptionIndexes } from './subscriptions.js';

/** "Flattr this every month": subscriptions, turned into flattrs when a period is distributed. */
export const subscriptionsModule: ServerModule = {
  name: 'subscriptions',
  ensureIndexes: ensureSubscriptionIndexes,
  routes: subscriptionRoutes,
};
