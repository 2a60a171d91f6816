import { z } from 'zod';
import type { AnyRouteSpec, ResponseSpec } from './route.js';

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable machine-readable error code' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
} as const;

/**
 * Builds the OpenAPI 3.1 document from the same route specs that Express
 * mounts, so the description cannot drift from what the server does.
 */
export function buildOpenApiDocument(specs: AnyRouteSpec[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Map<string, string>();
  for (const spec of specs) {
    const openApiPath = toOpenApiPath(spec.path);
    const id = operationId(spec);
    // OpenAPI requires unique ids (the SDK's generator refuses duplicates): fail where the routes are built.
    const taken = operationIds.get(id);
    if (taken) throw new Error(`operationId ${id} of ${spec.method.toUpperCase()} ${spec.path} is taken by ${taken}`);
    operationIds.set(id, `${spec.method.toUpperCase()} ${spec.path}`);
    const operation: Record<string, unknown> = {
      operationId: id,
      summary: spec.summary,
      tags: spec.tags,
      parameters: [
        ...objectParameters(spec.params, 'path'),
        ...objectParameters(spec.query, 'query'),
        ...Object.entries(spec.headers ?? {}).map(([name, h]) => ({
          name, in: 'header', required: h.required ?? false, description: h.description, schema: { type: 'string' },
        })),
      ],
      responses: Object.fromEntries(Object.entries(spec.responses).map(([status, response]) => [status, {
        description: response.description,
        ...responseContent(Number(status), response),
      }])),
    };
    if (spec.body) {
      // A body whose every field is optional may be left out (the route then sees `{}`).
      operation.requestBody = { required: !spec.body.safeParse({}).success, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input') } } };
    }
    if (spec.auth && !spec.auth.optional) {
      operation.security = [{ bearer: spec.auth.scope ? [spec.auth.scope] : [] }];
      (operation.responses as Record<string, unknown>)['401'] ??= { $ref: '#/components/responses/Unauthorized' };
    }
    // The one place a site token counts; every other operation answers it 403 site_token_not_allowed.
    if (spec.auth?.siteTokens) operation['x-site-token'] = true;
    if (spec.body || spec.query || spec.params) {
      (operation.responses as Record<string, unknown>)['400'] ??= { $ref: '#/components/responses/BadRequest' };
    }
    // Any operation may find the database unreachable (src/db/database-errors.ts): 503 with Retry-After.
    (operation.responses as Record<string, unknown>)['503'] ??= { $ref: '#/components/responses/ServiceUnavailable' };
    if (spec.query || spec.params || spec.headers) {
      // Node refuses a request line or headers over 16 KB before any route runs (src/http/parser-refusals.ts).
      (operation.responses as Record<string, unknown>)['431'] ??= { $ref: '#/components/responses/RequestHeaderFieldsTooLarge' };
    }
    // Every route but the health check counts against the rate limits (docs/security.md, "Rate limits").
    if (spec.path !== '/healthz') (operation.responses as Record<string, unknown>)['429'] ??= { $ref: '#/components/responses/TooManyRequests' };
    paths[openApiPath] ??= {};
    paths[openApiPath][spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Flattr API', version: info.version, description: 'Open, self-hostable Flattr. Money is integer minor units.' },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'JWT access token or personal access token; a site token (`fsite_…`) only on operations marked `x-site-token` '
            + '(elsewhere, public operations included: 403 `site_token_not_allowed`)',
        },
      },
      schemas: { Problem: problemSchema },
      responses: {
        BadRequest: { description: 'Invalid input', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        Unauthorized: { description: 'Missing or invalid credentials', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        ServiceUnavailable: {
          description: '`database_unavailable`: the database cannot be reached right now; `Retry-After` says when to try again',
          headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
        RequestHeaderFieldsTooLarge: { description: '`request_too_large`: the URL or the headers exceed 16 KB', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        TooManyRequests: {
          description: '`rate_limited`: a rate limit (per IP, account, credential, or on logins) is used up; retry after `Retry-After` seconds',
          headers: {
            'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } },
            RateLimit: { description: 'Remaining quota per policy (draft-ietf-httpapi-ratelimit-headers-10), e.g. `"ip";r=0;t=42`', schema: { type: 'string' } },
            'RateLimit-Policy': { description: 'The policies, e.g. `"ip";q=600;w=60`', schema: { type: 'string' } },
          },
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    },
  };
}

/**
 * The bodies one status may carry. Every error status also documents problem+json: the one error
 * middleware answers it for any failure (a form's bad field, a refused CSRF token), also on routes
 * whose error page is HTML.
 */
function responseContent(status: number, response: ResponseSpec): { content?: Record<string, { schema: unknown }> } {
  const content: Record<string, { schema: unknown }> = {};
  if (response.schema) content[response.contentType ?? (status >= 400 ? PROBLEM_JSON : 'application/json')] = { schema: toJsonSchema(response.schema, 'output') };
  else if (response.contentType) content[response.contentType] = { schema: { type: 'string' } };
  for (const type of response.alternativeContentTypes ?? []) content[type] = { schema: { type: 'string' } };
  // …except where a route answers errors in a JSON format of its own (the OAuth token endpoint's RFC 6749 errors).
  const ownErrorFormat = Boolean(response.schema && response.contentType);
  if (status >= 400 && !ownErrorFormat) content[PROBLEM_JSON] ??= { schema: { $ref: '#/components/schemas/Problem' } };
  return Object.keys(content).length ? { content } : {};
}

const PROBLEM_JSON = 'application/problem+json';

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * `GET /v1/things/:id` → `getThingsById`. The HTML pages (tag `pages`) say
 * `page` after the method (`GET /things/:id` → `getPageThingsById`): a page
 * and the API often share a path but for `/v1`.
 */
function operationId(spec: AnyRouteSpec): string {
  const words = spec.path.replace(/^\/(v1\/)?/, '').split(/[/.-]/).filter(Boolean)
    .map((part) => (part.startsWith(':') ? `by_${part.slice(1)}` : part));
  const page = !spec.path.startsWith('/v1/') && spec.tags.includes('pages') ? ['page'] : [];
  return [spec.method, ...page, ...words].join('_').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function objectParameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = toJsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
  return Object.entries(json.properties ?? {}).map(([name, propertySchema]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: shape[name] instanceof z.ZodCatch ? ANY_TEXT : propertySchema,
  }));
}

/**
 * A field that catches what it does not know (a page's `?done` notice) accepts any value: documenting
 * the values it acts on would tell clients (and the fuzzer) that the others are refused, and they are not.
 */
const ANY_TEXT = { type: 'string', description: 'Any value; one the route does not know is ignored' } as const;
