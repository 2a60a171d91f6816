import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { PERIOD_PATTERN } from '../money/index.js';
import { periodStats } from './stats.js';

const int = () => z.number().int();

export const periodStatsSchema = z.object({
  period: z.string(),
  currency: z.string(),
  readers: int(),
  payingReaders: int(),
  clicks: int(),
  things: int(),
  distributed: int().describe('Total contributed by readers'),
  toCreators: int(),
  fees: int(),
  toEscrow: int(),
  released: int().describe('Of this period\'s escrow, released to owners since (gross)'),
  releasedFees: int(),
  returned: int().describe('Of this period\'s escrow, returned to readers'),
  escrowHeld: int(),
  distributedAt: z.string().nullable(),
});

export function statsRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/stats/:period',
      summary: 'Public statistics of a distributed month: readers, clicks, money distributed, fees, escrow',
      tags: ['stats'],
      params: z.object({ period: z.string().regex(PERIOD_PATTERN, 'period must look like 2026-11') }),
      responses: {
        200: { description: 'The month\'s figures', schema: periodStatsSchema },
        404: { description: '`period_not_distributed`' },
      },
      handler: async ({ params }) => ({
        body: await periodStats(ctx, params.period),
        // Escrow figures move when owners verify or escrow returns: cache briefly, not forever.
        headers: { 'Cache-Control': 'public, max-age=300' },
      }),
    }),
  ];
}
