import type { ServerModule } from '../context.js';
import { accountPageRoutes } from './account-pages.js';
import { authApiRoutes } from './api-routes.js';
import { createAuthenticator } from './authenticate.js';
import { ensurePersonalTokenIndexes } from './personal-tokens.js';
import { ensureRefreshIndexes } from './refresh-tokens.js';
import { ensureSiteTokenIndexes } from './site-tokens.js';
import { ensureCodeIndexes } from './oauth/codes.js';
import { oauthRoutes } from './oauth/routes.js';
import { oauthTokenErrorHandler } from './oauth/token-errors.js';
import { startPurging, stopPurging } from './purge.js';
import { ensureSessionIndexes } from './sessions.js';
import { signingKeys } from './state.js';
import { tokenRoutes } from './token-routes.js';
import { emailApiRoutes, emailPageRoutes } from './email-pages.js';
import { ensureEmailTokenIndexes } from './email-tokens.js';

/** Authentication: tokens, sessions, OAuth. Must be the first module (it provides `authenticate`). */
export const authModule: ServerModule = {
  name: 'auth',
  ensureIndexes: async (ctx) => {
    await ensureRefreshIndexes(ctx);
    await ensurePersonalTokenIndexes(ctx);
    await ensureSiteTokenIndexes(ctx);
    await ensureSessionIndexes(ctx);
    await ensureCodeIndexes(ctx);
    await ensureEmailTokenIndexes(ctx);
    // Creates this rotation slot's key at start rather than in the first login.
    await signingKeys(ctx).current();
  },
  start: (ctx) => startPurging(ctx),
  close: (ctx) => stopPurging(ctx),
  routes: (ctx) => [...authApiRoutes(ctx), ...tokenRoutes(ctx), ...accountPageRoutes(ctx), ...emailPageRoutes(ctx), ...emailApiRoutes(ctx), ...oauthRoutes(ctx)],
  authenticate: (ctx) => createAuthenticator(ctx),
  errorHandlers: () => [{ path: '/oauth/token', handler: oauthTokenErrorHandler }],
};
