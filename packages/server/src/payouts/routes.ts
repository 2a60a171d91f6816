import { ObjectId } from 'mongodb';
import { z } from 'zod';
import { isFirstPartyJwt } from '../auth/index.js';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { ForbiddenError, ValidationError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { storedText } from '../http/stored-text.js';
import { payoutsCsv } from './csv.js';
import { destinationOf, setBankAccount, startStripeOnboarding, useManualPayouts, type PayoutDestinationDoc } from './destinations.js';
import { approvePayout } from './transfers.js';
import { sepaExportOfDue } from './sepa.js';
import {
  availableForPayout, listPayouts, listPayoutsOf, markPaid, publicStatus, requestPayout, type PayoutDoc,
} from './payouts.js';

const problem = (description: string) => ({ description });

export const payoutSchema = z.object({
  id: z.string(),
  userId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.enum(['requested', 'transferring', 'paid', 'failed']),
  requestedAt: z.string(),
  paidAt: z.string().nullable(),
  reference: z.string().nullable().describe('The bank transfer\'s reference, or the Stripe transfer id'),
  method: z.enum(['manual', 'stripe']),
  failure: z.string().nullable(),
  reversedAmount: z.number().int().describe('Transferred money that came back to the wallet (Stripe transfer reversals)'),
});

/** A bank account for payouts by hand, as the API and the /creator form take it (the IBAN's checksum is checked by `setBankAccount`). */
export const bankAccountSchema = z.object({
  holder: storedText('holder', 70, { min: 1 }),
  iban: z.string().min(15, 'iban is too short for an IBAN').max(42, 'iban is too long for an IBAN'),
  bic: z.string().max(14, 'bic is at most 14 characters').optional(),
});

const destinationSchema = z.object({
  method: z.enum(['manual', 'stripe']),
  stripe: z.object({ accountId: z.string(), ready: z.boolean().describe('Stripe says the account can receive transfers') }).nullable(),
  stripeAvailable: z.boolean().describe('This service pays out through Stripe'),
  bank: z.object({ holder: z.string(), iban: z.string().describe('Masked: the last four characters'), bic: z.string().nullable() }).nullable(),
});

function toDestination(ctx: ServerContext, doc: PayoutDestinationDoc): z.infer<typeof destinationSchema> {
  return {
    method: doc.method,
    stripe: doc.stripeAccountId ? { accountId: doc.stripeAccountId, ready: doc.ready } : null,
    stripeAvailable: ctx.config.stripe !== null,
    bank: doc.bank ? { holder: doc.bank.holder, iban: `…${doc.bank.iban.slice(-4)}`, bic: doc.bank.bic } : null,
  };
}

function toPayout(doc: PayoutDoc): z.infer<typeof payoutSchema> {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    amount: doc.amount,
    currency: doc.currency,
    status: publicStatus(doc.status),
    requestedAt: doc.requestedAt.toISOString(),
    paidAt: doc.paidAt?.toISOString() ?? null,
    reference: doc.reference,
    method: doc.method ?? 'manual',
    failure: doc.failure ?? null,
    reversedAmount: doc.reversedAmount ?? 0,
  };
}

export function payoutRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/me/payouts',
      summary: 'Request a payout of (part of) your balance; needs a login token, not a PAT or app token',
      tags: ['payouts', 'me'],
      auth: { scope: 'read' },
      body: z.object({
        amount: z.number().int('amount must be a whole number of minor units').min(1, 'amount must be positive')
          .max(Number.MAX_SAFE_INTEGER),
      }),
      responses: {
        201: { description: 'Requested: the amount left your wallet and waits for the operator', schema: payoutSchema },
        403: problem('`credential_not_allowed`: money leaves only on a login token'),
        422: problem('`insufficient_funds` (with `available`: the spendable balance; money a running distribution reserved is not)'),
      },
      handler: async ({ body, auth }) => {
        if (!isFirstPartyJwt(auth!)) {
          throw new ForbiddenError('Payouts can only be requested with a login access token', 'credential_not_allowed');
        }
        const payout = await requestPayout(ctx, auth!.userId, body.amount);
        return { status: 201, body: toPayout(payout), headers: { Location: `/v1/me/payouts` } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/payouts',
      summary: 'Your payouts, newest first, and what you could request now',
      tags: ['payouts', 'me'],
      auth: { scope: 'read' },
      responses: {
        200: {
          description: 'Your payouts',
          schema: z.object({ available: z.number().int(), currency: z.string(), items: z.array(payoutSchema) }),
        },
      },
      handler: async ({ auth }) => ({
        body: {
          available: await availableForPayout(ctx, auth!.userId),
          currency: ctx.config.currency,
          items: (await listPayoutsOf(ctx, auth!.userId)).map(toPayout),
        },
        headers: { 'Cache-Control': 'private, no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/admin/payouts',
      summary: 'Payouts by status (default: requested, i.e. due); `format=csv` exports them for the bank, `format=sepa` as a SEPA credit-transfer file (pain.001.001.09) of the manual payouts due',
      tags: ['payouts', 'admin'],
      auth: { scope: 'admin', role: 'admin' },
      query: z.object({
        status: z.enum(['requested', 'transferring', 'paid', 'failed', 'all']).default('requested'),
        format: z.enum(['json', 'csv', 'sepa']).default('json'),
      }),
      responses: {
        422: problem('`bank_details_missing` (format=sepa; with `payoutIds`): payouts whose creator gave no bank account'),
        200: { description: 'Payouts, oldest first (JSON), or the CSV export, or the SEPA file (application/xml)', schema: z.object({ items: z.array(payoutSchema.extend({ email: z.string().nullable() })) }) },
        403: problem('`insufficient_scope` / `insufficient_role`; `sepa_not_configured` (format=sepa without SEPA_DEBTOR_NAME/IBAN)'),
      },
      handler: async ({ query, res }) => {
        const docs = await listPayouts(ctx, query.status);
        const userIds = [...new Set(docs.map((d) => d.userId.toHexString()))].map((id) => ObjectId.createFromHexString(id));
        const users = await collections.users(ctx.db).find({ _id: { $in: userIds } }, { projection: { email: 1 } }).toArray();
        const emails = new Map(users.map((u) => [u._id.toHexString(), u.email]));
        if (query.format === 'sepa') {
          if (query.status !== 'requested') throw new ValidationError('format=sepa exports the payouts due: status=requested');
          const xml = await sepaExportOfDue(ctx, docs);
          res.status(200)
            .type('application/xml; charset=utf-8')
            .set('Content-Disposition', 'attachment; filename="payouts-sepa.xml"')
            .set('Cache-Control', 'no-store')
            .send(xml);
          return;
        }
        if (query.format === 'csv') {
          const csv = payoutsCsv(docs, emails);
          res.status(200)
            .type('text/csv; charset=utf-8')
            .set('Content-Disposition', `attachment; filename="payouts-${query.status}.csv"`)
            .set('Cache-Control', 'no-store')
            .send(csv);
          return;
        }
        return { body: { items: docs.map((d) => ({ ...toPayout(d), email: emails.get(d.userId.toHexString()) ?? null })) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/admin/payouts/:id/approve',
      summary: 'Approve a Stripe payout: a transfer to the creator\'s Stripe account (idempotent: approving again never transfers twice)',
      tags: ['payouts', 'admin'],
      auth: { scope: 'admin', role: 'admin' },
      params: z.object({ id: z.string() }),
      responses: {
        200: { description: 'Paid (`status: paid`, `reference` = the transfer id), or failed (`status: failed`, the money back in the wallet)', schema: payoutSchema },
        404: problem('`payout_not_found`'),
        409: problem('`payout_manual`: paid by hand (mark it paid instead)'),
        502: problem('`stripe_unavailable`: Stripe did not answer; approve again'),
      },
      handler: async ({ params }) => ({ body: toPayout(await approvePayout(ctx, params.id)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/payout-destination',
      summary: 'Where your payouts go: by hand (bank transfer by the operator) or to your Stripe account',
      tags: ['payouts', 'me'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'The destination', schema: destinationSchema } },
      handler: async ({ auth }) => ({ body: toDestination(ctx, await destinationOf(ctx, auth!.userId)), headers: { 'Cache-Control': 'no-store' } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/payout-destination/stripe',
      summary: 'Connect a Stripe Express account for payouts: answers Stripe\'s onboarding link (login token, verified email)',
      tags: ['payouts', 'me'],
      auth: { scope: 'read' },
      responses: {
        200: { description: 'Send the creator to `url` (one use, a few minutes)', schema: z.object({ url: z.string(), accountId: z.string() }) },
        403: problem('`credential_not_allowed`, `email_unverified`, `stripe_not_configured`'),
        502: problem('`stripe_unavailable`: Stripe did not answer (try again after Retry-After); `stripe_error`: Stripe refused the request'),
      },
      handler: async ({ auth }) => {
        if (!isFirstPartyJwt(auth!)) throw new ForbiddenError('Payout accounts can only be connected with a login access token', 'credential_not_allowed');
        return { body: await startStripeOnboarding(ctx, auth!.userId), headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/me/payout-destination/bank',
      summary: 'Your bank account for payouts by hand (the operator\'s SEPA export uses it); login token, verified email',
      tags: ['payouts', 'me'],
      auth: { scope: 'read' },
      body: bankAccountSchema,
      responses: {
        200: { description: 'The destination', schema: destinationSchema },
        400: problem('`validation_failed`: not a valid IBAN (checksum) or BIC'),
        403: problem('`credential_not_allowed`, `email_unverified`'),
      },
      handler: async ({ auth, body }) => {
        if (!isFirstPartyJwt(auth!)) throw new ForbiddenError('Bank details can only be set with a login access token', 'credential_not_allowed');
        return { body: toDestination(ctx, await setBankAccount(ctx, auth!.userId, body)) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/payout-destination/stripe',
      summary: 'Back to payouts by hand (the Stripe account stays known for a later switch back)',
      tags: ['payouts', 'me'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'The destination', schema: destinationSchema } },
      handler: async ({ auth }) => {
        if (!isFirstPartyJwt(auth!)) throw new ForbiddenError('Only with a login access token', 'credential_not_allowed');
        await useManualPayouts(ctx, auth!.userId);
        return { body: toDestination(ctx, await destinationOf(ctx, auth!.userId)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/admin/payouts/:id/paid',
      summary: 'Mark a payout as sent, with the transfer\'s reference (idempotent)',
      tags: ['payouts', 'admin'],
      auth: { scope: 'admin', role: 'admin' },
      params: z.object({ id: z.string() }),
      body: z.object({ reference: storedText('reference', 200, { min: 1 }) }),
      responses: {
        200: { description: 'Paid (also when it was already paid with this reference)', schema: payoutSchema },
        404: problem('`payout_not_found`'),
        409: problem('`payout_already_paid`: paid before with another reference; `payout_conflict`: being marked paid by another request; `payout_via_stripe`: approved for a Stripe transfer'),
      },
      handler: async ({ params, body }) => ({ body: toPayout(await markPaid(ctx, params.id, body.reference)) }),
    }),
  ];
}
