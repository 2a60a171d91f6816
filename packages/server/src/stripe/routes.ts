import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { handleStripeEvent, verifyStripeEvent } from './webhook.js';

export function stripeRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/stripe',
      summary: 'Stripe webhook endpoint (signed with STRIPE_WEBHOOK_SECRET): payments, refunds, disputes, transfers, Connect accounts',
      tags: ['webhooks'],
      headers: { 'Stripe-Signature': { description: 'Stripe\'s signature of the raw body', required: true } },
      responses: {
        200: { description: 'Recorded (also a repeat), ignored, or refused for good (logged)', schema: z.object({ received: z.literal(true), outcome: z.string() }) },
        400: { description: '`invalid_signature`: not signed with this endpoint\'s secret (nothing written)' },
        403: { description: '`stripe_not_configured`: this service has no Stripe keys' },
        503: { description: '`event_not_ready`: the event depends on one not recorded yet (Stripe delivers it again)' },
      },
      handler: async ({ req }) => {
        if (!ctx.config.stripe) throw new AppError(403, 'stripe_not_configured', 'Stripe is not configured on this service');
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const event = verifyStripeEvent(ctx, raw, req.get('stripe-signature'));
        const result = await handleStripeEvent(ctx, event);
        if (result.status === 503) throw new AppError(503, 'event_not_ready', result.detail);
        return { status: 200, body: { received: true, outcome: result.outcome } };
      },
    }),
  ];
}
