import { ObjectId } from 'mongodb';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { AppError, NotFoundError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { problemResponse } from '../things/index.js';
import { getUser } from '../accounts/users.js';
import { listDebts } from './debts.js';
import { stripeProvider } from './stripe-provider.js';

const checkoutSchema = z.object({ checkoutId: z.string(), redirectUrl: z.string().describe('Send the reader here to pay (Stripe Checkout)') });
const stateSchema = z.object({ checkoutId: z.string(), state: z.enum(['pending', 'succeeded', 'failed', 'expired']), amount: z.number().int(), currency: z.string() });

/** Card top-ups (Stripe Checkout), what deposit options this service has, and the readers who owe. */
export function stripeDepositRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/deposits/options',
      summary: 'How readers can put money in here: card top-ups (with their bounds) and the demo top-up, each on or off',
      tags: ['deposits'],
      responses: {
        200: {
          description: 'The options',
          schema: z.object({
            currency: z.string(),
            stripe: z.object({ enabled: z.boolean(), mode: z.enum(['test', 'live']).nullable(), min: z.number().int(), max: z.number().int() }),
            demo: z.object({ enabled: z.boolean() }),
          }),
        },
      },
      handler: async () => ({
        body: {
          currency: ctx.config.currency,
          stripe: { enabled: ctx.config.stripe !== null, mode: ctx.config.stripe?.mode ?? null, ...ctx.config.topUp },
          demo: { enabled: ctx.config.demoTopUp },
        },
        headers: { 'Cache-Control': 'public, max-age=60' },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/deposits/checkout',
      summary: 'Start a card top-up: a Stripe Checkout session for `amount`; the money is credited when Stripe\'s signed webhook confirms the payment',
      tags: ['me', 'deposits'],
      auth: { scope: 'read' },
      body: z.object({ amount: z.number().int('amount must be a whole number of minor units').min(1).max(Number.MAX_SAFE_INTEGER) }),
      headers: { 'Idempotency-Key': { description: 'A retried request with the same key answers the same checkout' } },
      responses: {
        201: { description: 'Send the reader to `redirectUrl`', schema: checkoutSchema },
        422: problemResponse('`amount_out_of_range` (with `min`, `max`)', ['amount_out_of_range']),
        403: problemResponse('`provider_disabled`: no card top-ups on this service (Stripe not configured)', ['provider_disabled']),
        502: problemResponse('`stripe_unavailable`: Stripe did not answer (try again after Retry-After); `stripe_error`: Stripe refused the request', ['stripe_unavailable', 'stripe_error']),
      },
      handler: async ({ body, auth, req }) => {
        if (!stripeProvider.isEnabled(ctx.config)) throw new AppError(403, 'provider_disabled', 'Card top-ups are not available on this service (Stripe is not configured)');
        const key = req.get('Idempotency-Key');
        if (key !== undefined && !/^[A-Za-z0-9._:@-]{1,100}$/.test(key)) {
          throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–100 characters: letters, digits and . _ : @ -');
        }
        const user = await getUser(ctx, auth!.userId);
        const started = await stripeProvider.startCheckout!(ctx, { userId: auth!.userId, email: user.email, amount: body.amount, idempotencyKey: key });
        return { status: 201, body: started, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/deposits/checkout/:id',
      summary: 'How a card top-up stands: pending (not paid, or paid and not yet confirmed by the webhook), succeeded (credited), failed, expired',
      tags: ['me', 'deposits'],
      auth: { scope: 'read' },
      params: z.object({ id: z.string().regex(/^cs_[A-Za-z0-9_]{1,200}$/, 'must be a Checkout Session id (cs_…)') }),
      responses: { 200: { description: 'The state', schema: stateSchema }, 404: problemResponse('`checkout_not_found` (not yours, or unknown)', ['checkout_not_found']),
        502: problemResponse('`stripe_unavailable`: Stripe did not answer (try again after Retry-After); `stripe_error`: Stripe refused the request', ['stripe_unavailable', 'stripe_error']),
      },
      handler: async ({ params, auth }) => {
        if (!stripeProvider.isEnabled(ctx.config)) throw new AppError(403, 'provider_disabled', 'Card top-ups are not available on this service');
        const state = await stripeProvider.checkoutState!(ctx, params.id, auth!.userId);
        if (!state) throw new NotFoundError(`No checkout ${params.id} of yours`, 'checkout_not_found');
        return { body: { checkoutId: params.id, ...state, currency: ctx.config.currency }, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/admin/debts',
      summary: 'Readers who owe the service: refunds and disputes took back more than their wallet held (docs/deposits.md)',
      tags: ['admin', 'deposits'],
      auth: { scope: 'admin', role: 'admin' },
      responses: {
        200: { description: 'Debts, biggest first', schema: z.object({ currency: z.string(), total: z.number().int(), items: z.array(z.object({ userId: z.string(), email: z.string().nullable(), owed: z.number().int() })) }) },
      },
      handler: async () => {
        const debts = await listDebts(ctx);
        const users = await collections.users(ctx.db).find({ _id: { $in: debts.map((d) => new ObjectId(d.userId)) } }, { projection: { email: 1 } }).toArray();
        const emails = new Map(users.map((u) => [u._id.toHexString(), u.email]));
        return {
          body: { currency: ctx.config.currency, total: debts.reduce((s, d) => s + d.owed, 0), items: debts.map((d) => ({ ...d, email: emails.get(d.userId) ?? null })) },
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
  ];
}
