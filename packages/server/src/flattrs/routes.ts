import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { problemResponse } from '../things/index.js';
import { periodOf, PERIOD_PATTERN } from '../money/index.js';
import { clickKeyOf, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency.js';
import { listFlattrs } from './list-flattrs.js';
import { recordFlattr, type RecordedFlattr } from './record-flattr.js';
import { recordSiteFlattr } from './record-site-flattr.js';
import { SiteCapReachedError } from '../auth/index.js';
import { flattrSchema, recordFlattrBodySchema, toFlattr } from './schemas.js';
import { withdrawFlattr } from './withdraw-flattr.js';

export function flattrRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/flattrs',
      summary: 'Flattr a thing (by URL, created on the first click, or by id); once per reader, thing and month. '
        + 'The one route that takes a site token: then only a URL on the token\'s origin, up to the reader\'s monthly cap for the site',
      tags: ['flattrs'],
      auth: { scope: 'flattr', siteTokens: true },
      body: recordFlattrBodySchema,
      headers: {
        'Idempotency-Key': {
          description: `Up to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters. A retry with the same key and body replays the first answer (marked \`Idempotent-Replayed: true\`) for 24 hours.`,
        },
      },
      responses: {
        201: { description: 'Flattred: the first click on this thing this month', schema: flattrSchema },
        200: { description: 'Already flattred this month: the existing flattr', schema: flattrSchema },
        400: problemResponse('`validation_failed`, `invalid_url` or `invalid_idempotency_key`', ['validation_failed', 'invalid_url', 'invalid_idempotency_key']),
        404: problemResponse('`thing_not_found` (by thingId)', ['thing_not_found']),
        409: problemResponse('`idempotency_key_reused`: same key, different request; `period_distributed`; `flattr_changed`: concurrent changes, try again',
          ['idempotency_key_reused', 'period_distributed', 'flattr_changed']),
        403: problemResponse('Site tokens: `origin_mismatch` (the request\'s Origin is not the token\'s site), '
          + '`thing_not_on_site` (the URL is not on the token\'s origin, or the thing is named by id)', ['origin_mismatch', 'thing_not_on_site', 'insufficient_scope']),
        422: problemResponse('`own_thing`: you cannot flattr your own thing (nothing is written)', ['own_thing']),
        429: problemResponse('`site_cap_reached`: the site made the new flattrs a month the reader allowed it with one click (`monthlyCap`); '
          + '`Retry-After` and `resetsAt` say when the next month starts. The reader can still flattr in the confirm window', ['site_cap_reached']),
      },
      handler: async ({ body, auth, req, res }) => {
        const header = req.get('Idempotency-Key');
        const key = header === undefined ? undefined : clickKeyOf(auth!.userId, header, body);
        const site = auth!.via === 'site' ? auth!.site : undefined;
        let recorded: RecordedFlattr;
        try {
          recorded = site ? await recordSiteFlattr(ctx, auth!.userId, site, body, key) : await recordFlattr(ctx, auth!.userId, body, key);
        } catch (error) {
          if (error instanceof SiteCapReachedError) res.set('Retry-After', String(error.retryAfterSeconds(ctx.clock.now())));
          throw error;
        }
        const { flattr, thing, created, replayed } = recorded;
        const answer = toFlattr(flattr, thing);
        // A site learns what its button needs, not who the reader is (a stable id would let sites correlate their readers).
        if (site) delete answer.readerId;
        return { status: created ? 201 : 200, body: answer, ...(replayed ? { headers: { 'Idempotent-Replayed': 'true' } } : {}) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/flattrs/:id',
      summary: 'Withdraw one of your flattrs, until its month is distributed',
      tags: ['flattrs'],
      auth: { scope: 'flattr' },
      params: z.object({ id: z.string() }),
      responses: {
        204: { description: 'Withdrawn' },
        404: problemResponse('`flattr_not_found` (also for another reader\'s flattr)', ['flattr_not_found']),
        409: problemResponse('`period_distributed`: the month was distributed, its flattrs are final', ['period_distributed']),
      },
      handler: async ({ params, auth }) => {
        await withdrawFlattr(ctx, auth!.userId, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/flattrs',
      summary: 'Your flattrs in one month, newest first, with their things',
      tags: ['flattrs', 'me'],
      auth: { scope: 'read' },
      query: z.object({
        period: z.string().regex(PERIOD_PATTERN, 'period must look like 2026-11').optional().describe('YYYY-MM; default the current month'),
      }),
      responses: {
        200: { description: 'The month\'s flattrs', schema: z.object({ period: z.string(), items: z.array(flattrSchema) }) },
      },
      handler: async ({ query, auth }) => {
        const period = query.period ?? periodOf(ctx.clock.now());
        return { body: { period, items: await listFlattrs(ctx, auth!.userId, period) }, headers: { 'Cache-Control': 'private, no-store' } };
      },
    }),
  ];
}
