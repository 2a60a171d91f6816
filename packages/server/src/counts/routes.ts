import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { problemResponse } from '../things/index.js';
import { countsFor, MAX_COUNT_URLS } from './counts.js';
import { matchesIfNoneMatch, strongEtag } from './etag.js';

const countsSchema = z.object({
  counts: z.record(z.string(), z.object({ thingId: z.string().nullable(), count: z.number().int().min(0) })),
});

/** Counts change with every click somewhere; 30 s keeps a popular page's buttons cheap and still fresh. */
const CACHE_CONTROL = 'public, max-age=30';

export function countRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/counts',
      summary: `Flattr counts for up to ${MAX_COUNT_URLS} URLs (public, cacheable; keyed by each URL as sent)`,
      tags: ['things', 'public'],
      query: z.object({
        url: z.union([z.string().max(4096), z.array(z.string().max(4096)).min(1)])
          .transform((value) => (Array.isArray(value) ? value : [value]))
          .describe('Repeat the parameter: ?url=a&url=b'),
      }),
      headers: { 'If-None-Match': { description: 'An ETag from an earlier answer: 304 if the counts did not change' } },
      responses: {
        200: { description: 'The counts; `Cache-Control: public, max-age=30` and a strong `ETag`', schema: countsSchema },
        304: { description: 'Not modified (If-None-Match matched); no body' },
        400: problemResponse('`too_many_urls` (more than 100) or `validation_failed` (none)', ['too_many_urls', 'validation_failed']),
      },
      handler: async ({ query, req, res }) => {
        const body = JSON.stringify({ counts: await countsFor(ctx.db, query.url) });
        const etag = strongEtag(body);
        // Buttons live on every site: counts are readable from any origin whatever ALLOWED_ORIGINS says.
        const headers = { 'Cache-Control': CACHE_CONTROL, ETag: etag, 'Access-Control-Allow-Origin': '*' };
        if (matchesIfNoneMatch(req.get('If-None-Match'), etag)) return { status: 304, headers };
        // The exact bytes the tag was computed over.
        res.status(200).set(headers).type('application/json').send(body);
        return undefined;
      },
    }),
  ];
}
