import express, { type Request, type Router } from 'express';
import { carriesSiteToken, siteTokenNotAllowed } from '../auth/authenticate.js';
import type { AnyRouteSpec } from './route.js';

/**
 * Refuses a site token (`Authorization: Bearer fsite_…`) on every route that
 * does not declare `auth.siteTokens`, before anything else runs: API routes,
 * public ones, pages and what modules mount on Express themselves. Which
 * routes take one comes from the route specs and is matched by Express
 * itself, so a route added later refuses site tokens unless its spec says
 * otherwise (test/site-token-scope.test.ts tries every route). The
 * authenticator refuses them the same way, for callers that bypass this.
 */
export function siteTokenGate(routes: AnyRouteSpec[]): Router {
  const declared = new WeakSet<Request>();
  const gate = express.Router();
  for (const spec of routes) {
    if (!spec.auth?.siteTokens) continue;
    gate[spec.method](spec.path, (req, _res, next) => {
      declared.add(req);
      next();
    });
  }
  gate.use((req, _res, next) => next(carriesSiteToken(req) && !declared.has(req) ? siteTokenNotAllowed() : undefined));
  return gate;
}
