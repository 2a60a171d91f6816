import type { Request, Response, Router, NextFunction } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { AuthContext, AuthRequirement } from './auth-context.js';

/** What a handler returns; `undefined` when it wrote the response itself (HTML, redirects, 304). */
export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for empty bodies. */
  schema?: z.ZodType;
  /** Non-JSON bodies, e.g. 'text/html', 'application/javascript', 'text/csv'; with `schema`, a JSON type other than the default (`application/json`, errors `application/problem+json`). */
  contentType?: string;
  /** Other bodies the same status may carry instead, e.g. `['text/csv']` for an export of a JSON list. */
  alternativeContentTypes?: string[];
}

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Set when the route requires authentication (or optional auth succeeded). */
  auth: AuthContext | undefined;
  req: Request;
  res: Response;
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path, e.g. `/v1/things/:id`. Becomes `/v1/things/{id}` in OpenAPI. */
  path: string;
  summary: string;
  tags: string[];
  /** Omit for public routes. */
  auth?: AuthRequirement;
  body?: B;
  query?: Q;
  params?: P;
  /** Request headers worth documenting (e.g. Idempotency-Key). */
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<Reply | void>;
}

export type AnyRouteSpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** Identity function that keeps the spec's schema types flowing into the handler. */
export function defineRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<B, Q, P>): AnyRouteSpec {
  return spec as unknown as AnyRouteSpec;
}

/**
 * Mounts route specs on an Express router. Validation happens before the
 * handler runs, so a bad input can never cause a write.
 */
export function mountRoutes(
  router: Router,
  specs: AnyRouteSpec[],
  authenticate: (req: Request, requirement: AuthRequirement | undefined) => Promise<AuthContext | undefined>,
): void {
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const auth = await authenticate(req, spec.auth);
        const params = parse(spec.params, req.params, 'path parameter');
        const query = parse(spec.query, req.query, 'query parameter');
        const body = spec.body ? parse(spec.body, req.body ?? {}, 'body') : undefined;
        const reply = await spec.handler({ body, query, params, auth, req, res });
        if (!reply || res.headersSent) return;
        if (reply.headers) res.set(reply.headers);
        res.status(reply.status ?? 200);
        if (reply.body === undefined) res.end();
        else res.json(reply.body);
      } catch (error) {
        next(error);
      }
    });
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): any {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || where,
    message: issue.message,
  }));
  const first = errors[0]!;
  throw new ValidationError(`Invalid ${where}: ${first.path}: ${first.message}`, errors);
}
