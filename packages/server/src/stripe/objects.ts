import type Stripe from 'stripe';
import { z } from 'zod';
import { AppError } from '../errors/index.js';

/**
 * The fields of Stripe's objects this server reads, checked before it reads
 * them. A signed event proves who sent it, not that its object has the shape
 * the code expects: an object Stripe changed, or one a leaked webhook secret
 * made up, must be refused for good (`stripe_object_invalid`, logged and
 * answered 200 so Stripe does not retry in vain), not crash the handler into
 * a 500 nor post a negative or fractional amount. Unknown fields pass.
 */
const id = z.string().min(1).max(255);
/** An id, or the object it names when expanded. */
const reference = z.union([id, z.looseObject({ id })]).nullish();
const minorUnits = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const currency = z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code');
const metadata = z.record(z.string(), z.string()).nullish();
const list = <T extends z.ZodType>(item: T) => z.looseObject({ data: z.array(item), has_more: z.boolean().optional() }).nullish();

/** Only the id: an expired or failed Checkout Session. */
export const stripeObjectId = z.looseObject({ id });

export const checkoutSessionFields = z.looseObject({
  id,
  mode: z.string().nullish(),
  payment_status: z.string().nullish(),
  amount_total: minorUnits.nullish(),
  currency: currency.nullish(),
  payment_intent: reference,
  client_reference_id: z.string().nullish(),
  metadata,
});

export const paymentIntentFields = z.looseObject({ id, status: z.string(), amount_received: minorUnits, currency, metadata });

export const refundFields = z.looseObject({ id, amount: minorUnits, currency, status: z.string().nullish(), payment_intent: reference, charge: reference });

export const chargeFields = z.looseObject({ id, payment_intent: reference, amount_refunded: minorUnits, refunds: list(refundFields) });

export const disputeFields = z.looseObject({ id, amount: minorUnits, currency, status: z.string(), payment_intent: reference, charge: reference })
  .refine((dispute) => dispute.payment_intent || dispute.charge, 'names neither a payment intent nor a charge');

export const transferReversalFields = z.looseObject({ id, amount: minorUnits, transfer: reference });

export const transferFields = z.looseObject({ id, amount: minorUnits, amount_reversed: minorUnits.optional(), metadata, reversals: list(transferReversalFields) });

export const accountFields = z.looseObject({
  id,
  details_submitted: z.boolean().nullish(),
  capabilities: z.looseObject({ transfers: z.string().nullish() }).nullish(),
});

/**
 * `object` as the Stripe type `T` once `fields` accept it; otherwise 422
 * `stripe_object_invalid` naming what is wrong.
 */
export function readStripeObject<T = Stripe.Event.Data.Object>(fields: z.ZodType, object: unknown, what: string): T {
  const checked = fields.safeParse(object);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(object)'}: ${issue.message}`).join('; ');
    throw new AppError(422, 'stripe_object_invalid', `The ${what} does not have the fields this server reads: ${problems}`);
  }
  return object as T;
}
