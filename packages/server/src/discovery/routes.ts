import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { LIMITS, problemResponse } from '../things/index.js';
import { discoverThings } from './discover-things.js';

const discoveredSchema = z.object({
  url: z.string().describe('The URL that answered, after redirects'),
  kind: z.enum(['html', 'feed']),
  truncated: z.boolean().describe('The document was longer than the server reads (2 MiB): later items are missing'),
  things: z.array(z.object({
    url: z.string(),
    title: z.string().optional(),
    creator: z.string().optional().describe('A claim only, as the button\'s creator attribute'),
    flattrUrl: z.string().describe('The plain link that flattrs it on this service (/flattr?url=…)'),
    source: z.enum(['html-link', 'atom-link', 'podcast-funding']),
    thingId: z.string().nullable().describe('null until its first flattr'),
    count: z.number().int().min(0),
  })),
});

export function discoveryRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/things/discover',
      summary: 'The things a page or a feed offers to flattr on this service: its rel="payment" links and <podcast:funding> (read only)',
      tags: ['things'],
      auth: { scope: 'read' },
      body: z.object({ url: z.string().min(1).max(LIMITS.url).describe('A page, or an RSS or Atom feed') }),
      responses: {
        200: { description: 'What was found (possibly nothing); nothing is written', schema: discoveredSchema },
        400: problemResponse('`invalid_url` or `validation_failed`', ['invalid_url', 'validation_failed']),
        422: problemResponse(
          '`fetch_failed` (no answer, or not 2xx), `address_not_allowed` (a private or loopback address), `unsupported_document` (not HTML, RSS or Atom)',
          ['fetch_failed', 'address_not_allowed', 'unsupported_document'],
        ),
      },
      handler: async ({ body }) => ({ body: await discoverThings(ctx, body.url) }),
    }),
  ];
}
