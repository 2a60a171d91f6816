import { z } from 'zod';
import type { AnyRouteSpec } from './route.js';

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
        ...(response.schema
          ? { content: { [response.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json')]: { schema: toJsonSchema(response.schema, 'output') } } }
          : response.contentType ? { content: { [response.contentType]: { schema: { type: 'string' } } } } : {}),
      }])),
    };
    if (spec.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input') } } };
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
  return Object.entries(json.properties ?? {}).map(([name, propertySchema]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: propertySchema,
  }));
}
