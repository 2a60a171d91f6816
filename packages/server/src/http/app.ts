import cors from 'cors';
import express, { type Express, type Request } from 'express';
import helmet from 'helmet';
import { AppError, ForbiddenError, UnauthorizedError } from '../errors/index.js';
import type { ServerContext, ServerModule } from '../context.js';
import type { AuthContext, AuthRequirement } from './auth-context.js';
import { buildOpenApiDocument } from './openapi.js';
import { notFoundHandler, problemHandler } from './problem.js';
import { defineRoute, mountRoutes, type AnyRouteSpec } from './route.js';
import { siteTokenGate } from './site-token-gate.js';
import { z } from 'zod';

export interface App {
  express: Express;
  routes: AnyRouteSpec[];
  openApiDocument: ReturnType<typeof buildOpenApiDocument>;
}

/** Builds the Express app from the modules; knows HTTP, not the domain. */
export function createApp(ctx: ServerContext, modules: ServerModule[]): App {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('etag', false);
  app.use(helmet({
    // The API serves JSON; the few HTML pages (confirm window) set their own CSP.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  }));
  app.use('/v1', cors(corsOptions(ctx)));
  app.use('/oauth/token', cors(corsOptions(ctx)));
  app.use('/.well-known/jwks.json', cors());
  const routes: AnyRouteSpec[] = [healthRoute(ctx)];
  for (const module of modules) routes.push(...(module.routes?.(ctx) ?? []));
  const openApiDocument = buildOpenApiDocument([...routes, openApiRoute()], { version: '0.1.0', serverUrl: ctx.config.publicUrl });
  routes.push(openApiRoute(openApiDocument));

  // Before anything reads the request (after CORS, so a browser can read a refusal): every request counts.
  for (const module of modules) if (module.guard) app.use(module.guard(ctx));
  // Before the body is even parsed.
  app.use(siteTokenGate(routes));
  // Signed webhooks are verified over the exact bytes received: parsed as raw bytes, before the JSON parser.
  app.use('/v1/webhooks', express.raw({ type: () => true, limit: ctx.config.bodyLimit }));
  app.use(express.json({ limit: ctx.config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ extended: false, limit: ctx.config.bodyLimit }));

  for (const module of modules) module.mount?.(app, ctx);

  const authenticators = modules.filter((m) => m.authenticate).map((m) => m.authenticate!(ctx));
  if (authenticators.length > 1) throw new Error('more than one module provides authenticate');
  const authenticate = authenticators[0] ?? (async (_req: Request, requirement: AuthRequirement | undefined) => {
    if (requirement && !requirement.optional) throw new UnauthorizedError('No authentication module is installed');
    return undefined;
  });
  const guarded = async (req: Request, requirement: AuthRequirement | undefined): Promise<AuthContext | undefined> => {
    const auth = await authenticate(req, requirement);
    if (requirement && !requirement.optional && !auth) throw new UnauthorizedError();
    if (auth && requirement?.scope && !auth.scopes.includes(requirement.scope)) {
      throw new ForbiddenError(`This credential lacks the "${requirement.scope}" scope`, 'insufficient_scope');
    }
    if (auth && requirement?.role && !auth.roles.includes(requirement.role)) {
      throw new ForbiddenError(`This action needs the ${requirement.role} role`, 'insufficient_role');
    }
    return auth;
  };

  const router = express.Router();
  mountRoutes(router, routes, guarded);
  app.use(router);
  for (const module of modules) {
    for (const { path, handler } of module.errorHandlers?.(ctx) ?? []) app.use(path, handler);
  }
  app.use(notFoundHandler);
  app.use(problemHandler((message, error) => ctx.log.error(message, error)));
  return { express: app, routes, openApiDocument };
}

function corsOptions(ctx: ServerContext): cors.CorsOptions {
  const allowed = ctx.config.allowedOrigins;
  return {
    origin: allowed.includes('*') ? true : allowed,
    // Bearer tokens only: the API never relies on cookies cross-origin.
    credentials: false,
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match'],
    exposedHeaders: ['ETag', 'Retry-After', 'Location', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  };
}

function healthRoute(ctx: ServerContext): AnyRouteSpec {
  return defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness and database reachability',
    tags: ['health'],
    responses: {
      200: { description: 'Healthy', schema: z.object({ status: z.literal('ok'), database: z.literal('ok') }) },
      503: { description: 'Database unreachable' },
    },
    handler: async () => {
      try {
        await ctx.db.command({ ping: 1 });
      } catch {
        throw new AppError(503, 'database_unreachable', 'The database does not answer');
      }
      return { body: { status: 'ok', database: 'ok' }, headers: { 'Cache-Control': 'no-store' } };
    },
  });
}

function openApiRoute(document?: unknown): AnyRouteSpec {
  return defineRoute({
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tags: ['meta'],
    responses: { 200: { description: 'The OpenAPI document', schema: z.object({ openapi: z.string() }).loose() } },
    handler: async () => ({ body: document, headers: { 'Cache-Control': 'public, max-age=300' } }),
  });
}
