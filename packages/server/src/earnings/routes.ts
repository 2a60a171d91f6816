import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { PERIOD_PATTERN } from '../money/index.js';
import { earningsOf } from './earnings.js';

const money3 = { gross: z.number().int(), fee: z.number().int(), net: z.number().int() };

export const earningsSchema = z.object({
  currency: z.string(),
  period: z.string().nullable(),
  periods: z.array(z.object({
    period: z.string(),
    ...money3,
    things: z.array(z.object({
      thingId: z.string(),
      url: z.string().nullable(),
      title: z.string().nullable(),
      ...money3,
      shares: z.number().int().describe('Readers whose money had a share for this thing'),
      fromEscrow: z.object(money3).describe('Part released from escrow when the site was verified'),
    })),
  })),
  totals: z.object(money3),
});

export function earningsRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/earnings',
      summary: 'Your earnings per period and per thing (gross, platform fee, net), from the journal',
      tags: ['earnings', 'me'],
      auth: { scope: 'read' },
      query: z.object({ period: z.string().regex(PERIOD_PATTERN, 'period must look like 2026-11').optional() }),
      responses: { 200: { description: 'Earnings, newest period first', schema: earningsSchema } },
      handler: async ({ query, auth }) => ({
        body: await earningsOf(ctx, auth!.userId, query.period),
        headers: { 'Cache-Control': 'private, no-store' },
      }),
    }),
  ];
}
