import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { problemResponse } from '../things/index.js';
import { demoProvider, manualProvider } from './provider.js';
import { MAX_DEPOSIT, recordDeposit, REFERENCE_PATTERN } from './record-deposit.js';

/** The demo top-up hands out play money: small amounts only. */
export const MAX_DEMO_TOPUP = 100_00;

const depositSchema = z.object({
  entryId: z.string().describe('Journal entry id: deposit:<provider>:<reference>'),
  provider: z.string(),
  reference: z.string(),
  userId: z.string(),
  amount: z.number().int().describe('Minor units'),
  currency: z.string(),
  demo: z.boolean().describe('true: play money from the demo top-up, never real'),
  createdAt: z.string(),
});

const amount = (max: number) => z.number().int('amount must be a whole number of minor units').min(1, 'amount must be positive').max(max);

export function depositRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/admin/deposits',
      summary: 'Credit a user\'s account by hand (manual provider); the same reference twice credits once',
      tags: ['admin', 'deposits'],
      auth: { scope: 'admin', role: 'admin' },
      body: z.object({
        userId: z.string(),
        amount: amount(MAX_DEPOSIT),
        reference: z.string().regex(REFERENCE_PATTERN, 'reference must be 1–200 characters: letters, digits and . _ : @ -')
          .describe('Your unique id for this payment, e.g. the bank transfer\'s id'),
        provider: z.literal('manual').optional(),
      }),
      responses: {
        201: { description: 'Credited', schema: depositSchema },
        200: { description: 'This reference was credited before: the same deposit, nothing credited again', schema: depositSchema },
        403: problemResponse('`insufficient_scope` / `insufficient_role`', ['insufficient_scope', 'insufficient_role']),
        404: problemResponse('`user_not_found`', ['user_not_found']),
        409: problemResponse('`deposit_reference_conflict`: the reference credited another user or amount', ['deposit_reference_conflict']),
      },
      handler: async ({ body }) => {
        const { deposit, created } = await recordDeposit(ctx, manualProvider, body);
        return { status: created ? 201 : 200, body: deposit };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/deposits/demo',
      summary: 'DEMO ONLY: top up your own account with play money (needs DEMO_TOPUP=true)',
      tags: ['me', 'deposits'],
      auth: { scope: 'read' },
      body: z.object({ amount: amount(MAX_DEMO_TOPUP) }),
      headers: { 'Idempotency-Key': { description: 'Makes a retry safe: the same key credits once' } },
      responses: {
        201: { description: 'Credited with play money (`demo: true`)', schema: depositSchema },
        200: { description: 'Same Idempotency-Key again: the first top-up, nothing credited again', schema: depositSchema },
        403: problemResponse('`demo_topup_disabled`: this deployment has no demo top-up', ['demo_topup_disabled']),
        409: problemResponse('`deposit_reference_conflict`: the Idempotency-Key was used for another amount', ['deposit_reference_conflict']),
      },
      handler: async ({ body, auth, req }) => {
        if (!demoProvider.isEnabled(ctx.config)) {
          throw new AppError(403, 'demo_topup_disabled', 'The demo top-up is disabled on this deployment (DEMO_TOPUP=false)');
        }
        const key = req.get('Idempotency-Key');
        if (key !== undefined && !/^[A-Za-z0-9._:@-]{1,100}$/.test(key)) {
          throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–100 characters: letters, digits and . _ : @ -');
        }
        const { deposit, created } = await recordDeposit(ctx, demoProvider, {
          userId: auth!.userId,
          amount: body.amount,
          reference: `${auth!.userId}:${key ?? randomUUID()}`,
        });
        return { status: created ? 201 : 200, body: deposit };
      },
    }),
  ];
}
