import { z } from 'zod';
import type { ServerModule } from '../context.js';
import { defineRoute } from '../http/route.js';
import { PERIOD_PATTERN } from '../money/index.js';
import { reconcileStripe } from './reconcile-stripe.js';

const rowSchema = z.object({
  status: z.enum(['matched', 'amount_differs', 'only_in_stripe', 'only_in_journal', 'not_journaled']),
  stripeId: z.string().nullable(),
  type: z.string(),
  stripeAmount: z.number().int().nullable(),
  stripeFee: z.number().int().nullable(),
  entryId: z.string().nullable(),
  journalAmount: z.number().int().nullable(),
  created: z.string(),
});

/** Stripe's records beside the journal, for the admin (its page is /admin/payments, admin-pages/). */
export const reconciliationModule: ServerModule = {
  name: 'reconciliation',
  routes: (ctx) => [
    defineRoute({
      method: 'get',
      path: '/v1/admin/reconciliation/stripe',
      summary: 'Stripe\'s balance transactions of a month beside the journal\'s Stripe entries, with every difference',
      tags: ['admin'],
      auth: { scope: 'admin', role: 'admin' },
      query: z.object({ period: z.string().regex(PERIOD_PATTERN, 'must be a month like 2026-11') }),
      responses: {
        200: {
          description: 'The reconciliation; `differences` counts the rows that are neither matched nor Stripe\'s own (fees, bank payouts)',
          schema: z.object({
            period: z.string(), from: z.string(), to: z.string(), currency: z.string(), differences: z.number().int(),
            totals: z.object({ stripeNet: z.number().int(), stripeFees: z.number().int(), journal: z.number().int() }),
            rows: z.array(rowSchema),
          }),
        },
        403: { description: '`insufficient_scope`, `insufficient_role`, `stripe_not_configured`' },
        502: { description: '`stripe_unavailable`: Stripe did not answer (try again after Retry-After); `stripe_error`: Stripe refused the request' },
      },
      handler: async ({ query }) => ({ body: await reconcileStripe(ctx, query.period), headers: { 'Cache-Control': 'no-store' } }),
    }),
  ],
};
