import type { Db, MongoClient } from 'mongodb';
import type { ErrorRequestHandler, Request, RequestHandler, Express } from 'express';
import type { Config } from './config/index.js';
import type { AnyRouteSpec } from './http/route.js';
import type { AuthContext, AuthRequirement } from './http/auth-context.js';

export interface Clock {
  now(): Date;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/** What every domain module receives: no Express, no globals. */
export interface ServerContext {
  config: Config;
  db: Db;
  client: MongoClient;
  clock: Clock;
  log: Logger;
}

/**
 * One concern of the server (auth, things, flattrs, money, …). The app mounts
 * each module's routes and asks each for its indexes at start.
 */
export interface ServerModule {
  name: string;
  ensureIndexes?(ctx: ServerContext): Promise<void>;
  /** Routes described for OpenAPI and validated before their handlers run. */
  routes?(ctx: ServerContext): AnyRouteSpec[];
  /**
   * Middleware that must count every request before anything reads it (the
   * site-token gate, body parsers, files, routes), so that a request refused
   * early is counted too: rate limits. Mounted after CORS, so a browser can
   * read its refusal.
   */
  guard?(ctx: ServerContext): RequestHandler;
  /** For things that are not JSON API routes (static files, HTML pages): mounted before the API routes. */
  mount?(app: Express, ctx: ServerContext): void;
  /** Background work begun once the server listens (not awaited: it must not delay start). */
  start?(ctx: ServerContext): void;
  /** On graceful shutdown, after the last request and before the database closes (e.g. write buffered state). */
  close?(ctx: ServerContext): Promise<void>;
  /**
   * Error middleware for paths whose errors are not problem+json (OAuth's token
   * endpoint answers RFC 6749 JSON), mounted after the routes, before the
   * problem+json handler; it passes on (`next(error)`) what it does not answer.
   */
  errorHandlers?(ctx: ServerContext): Array<{ path: string; handler: ErrorRequestHandler }>;
  /** Exactly one module (auth) provides this. */
  authenticate?(ctx: ServerContext): (req: Request, requirement: AuthRequirement | undefined) => Promise<AuthContext | undefined>;
}
