import type Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { JOURNAL } from '../money/index.js';
import { stripeClient } from '../stripe/client.js';
import type { DepositEvent } from './provider.js';
import { USER_METADATA_KEY } from './stripe-provider.js';

/** The deposit events of a verified Stripe event ([] for events about anything else). */
export async function depositEventsOf(ctx: ServerContext, event: Stripe.Event): Promise<DepositEvent[]> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return fromPaidSession(event.data.object);
    case 'checkout.session.async_payment_failed':
      return [{ type: 'checkout.closed', checkoutId: event.data.object.id, state: 'failed' }];
    case 'checkout.session.expired':
      return [{ type: 'checkout.closed', checkoutId: event.data.object.id, state: 'expired' }];
    case 'payment_intent.succeeded':
      return fromPaymentIntent(event.data.object);
    case 'charge.refunded':
      return refundsOfCharge(ctx, event.data.object);
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
      return fromRefund(ctx, event.data.object);
    case 'charge.dispute.created':
    case 'charge.dispute.funds_withdrawn':
      return fromDispute(ctx, event.data.object, false);
    case 'charge.dispute.closed':
    case 'charge.dispute.funds_reinstated':
      return fromDispute(ctx, event.data.object, true);
    default:
      return [];
  }
}

/** A paid Checkout Session of a top-up (mode payment, our metadata); unpaid ones wait for async_payment_succeeded. */
function fromPaidSession(session: Stripe.Checkout.Session): DepositEvent[] {
  const userId = session.metadata?.[USER_METADATA_KEY] ?? session.client_reference_id;
  if (session.mode !== 'payment' || !userId || session.payment_status !== 'paid') return [];
  const paymentIntent = idOf(session.payment_intent);
  if (!paymentIntent || session.amount_total === null || !session.currency) return [];
  return [{
    type: 'confirmed',
    checkoutId: session.id,
    deposit: { reference: paymentIntent, userId, amount: session.amount_total, currency: session.currency.toUpperCase(), memo: `Stripe Checkout ${session.id}` },
  }];
}

function fromPaymentIntent(intent: Stripe.PaymentIntent): DepositEvent[] {
  const userId = intent.metadata?.[USER_METADATA_KEY];
  if (!userId || intent.status !== 'succeeded') return []; // a payment of something else on the same Stripe account
  return [{ type: 'confirmed', deposit: { reference: intent.id, userId, amount: intent.amount_received, currency: intent.currency.toUpperCase(), memo: `Stripe payment ${intent.id}` } }];
}

/**
 * `charge.refunded` carries the charge, not the refunds: they come embedded
 * (older API versions) or are listed from Stripe. If the refunds found do
 * not add up to what the charge says was refunded, the event is answered 503
 * so Stripe delivers it again (by then `refund.created` may have recorded
 * the missing one): a refund is never guessed.
 */
async function refundsOfCharge(ctx: ServerContext, charge: Stripe.Charge): Promise<DepositEvent[]> {
  const paymentIntent = idOf(charge.payment_intent);
  if (!paymentIntent || !(await isOurDeposit(ctx, paymentIntent))) return [];
  let refunds = charge.refunds?.data;
  if (!refunds || charge.refunds?.has_more) {
    refunds = [];
    for await (const refund of stripeClient(ctx).refunds.list({ charge: charge.id, limit: 100 })) refunds.push(refund);
  }
  const ours = refunds.filter((r) => idOf(r.charge) === charge.id);
  const counted = ours.filter((r) => r.status !== 'failed' && r.status !== 'canceled').reduce((sum, r) => sum + r.amount, 0);
  if (counted < charge.amount_refunded && (await refundedInJournal(ctx, paymentIntent)) < charge.amount_refunded) {
    throw new AppError(503, 'refund_not_found', `Charge ${charge.id} has ${charge.amount_refunded} refunded, Stripe listed refunds of ${counted}; deliver again later`);
  }
  return ours.flatMap((refund) => refundEvents(refund, paymentIntent));
}

async function fromRefund(ctx: ServerContext, refund: Stripe.Refund): Promise<DepositEvent[]> {
  let paymentIntent = idOf(refund.payment_intent);
  if (!paymentIntent && refund.charge) paymentIntent = idOf((await stripeClient(ctx).charges.retrieve(idOf(refund.charge)!)).payment_intent);
  if (!paymentIntent || !(await isOurDeposit(ctx, paymentIntent))) return [];
  return refundEvents(refund, paymentIntent);
}

function refundEvents(refund: Stripe.Refund, paymentIntent: string): DepositEvent[] {
  const common = { reference: refund.id, depositReference: paymentIntent, amount: refund.amount, currency: refund.currency.toUpperCase() };
  if (refund.status === 'failed' || refund.status === 'canceled') return [{ type: 'reinstated', reinstatement: { kind: 'refund.failed', ...common } }];
  return [{ type: 'reversed', reversal: { kind: 'refund', ...common } }];
}

/** A dispute takes the money when it opens; one the operator wins brings it back (`won`); a lost one changes nothing more. */
async function fromDispute(ctx: ServerContext, dispute: Stripe.Dispute, closing: boolean): Promise<DepositEvent[]> {
  let paymentIntent = idOf(dispute.payment_intent);
  if (!paymentIntent) paymentIntent = idOf((await stripeClient(ctx).charges.retrieve(idOf(dispute.charge)!)).payment_intent);
  if (!paymentIntent || !(await isOurDeposit(ctx, paymentIntent))) return [];
  const common = { reference: dispute.id, depositReference: paymentIntent, amount: dispute.amount, currency: dispute.currency.toUpperCase() };
  if (!closing) return [{ type: 'reversed', reversal: { kind: 'dispute', ...common } }];
  if (dispute.status === 'won') return [{ type: 'reinstated', reinstatement: { kind: 'dispute.won', ...common } }];
  return [{ type: 'reversed', reversal: { kind: 'dispute', ...common } }];
}

/**
 * Whether a PaymentIntent is one of this service's top-ups. Recorded: yes.
 * Not recorded yet (a refund delivered before the payment's own event):
 * Stripe is asked; one of ours (our metadata) that succeeded is credited
 * first by the caller (`confirmed` event), anything else is not ours. Events
 * on a Stripe account shared with other business are ignored this way.
 */
async function isOurDeposit(ctx: ServerContext, paymentIntent: string): Promise<boolean> {
  if (await ctx.db.collection(JOURNAL).findOne({ _id: `deposit:stripe:${paymentIntent}` as never }, { projection: { _id: 1 } })) return true;
  const intent = await stripeClient(ctx).paymentIntents.retrieve(paymentIntent);
  if (!intent.metadata?.[USER_METADATA_KEY]) return false;
  if (intent.status !== 'succeeded') throw new AppError(503, 'deposit_not_recorded', `Payment ${paymentIntent} has not succeeded yet; deliver again later`);
  return true;
}

/** The payment intent to credit first when a reversal arrives before its deposit (see isOurDeposit). */
export async function missingDepositOf(ctx: ServerContext, paymentIntent: string): Promise<DepositEvent | null> {
  if (await ctx.db.collection(JOURNAL).findOne({ _id: `deposit:stripe:${paymentIntent}` as never }, { projection: { _id: 1 } })) return null;
  const [event] = fromPaymentIntent(await stripeClient(ctx).paymentIntents.retrieve(paymentIntent));
  return event ?? null;
}

/** Refunds of a payment the journal holds already (refund.created delivered before charge.refunded), failed ones taken off. */
async function refundedInJournal(ctx: ServerContext, paymentIntent: string): Promise<number> {
  let total = 0;
  for await (const entry of ctx.db.collection(JOURNAL).find({ 'meta.depositEntryId': `deposit:stripe:${paymentIntent}` }, { projection: { kind: 1, meta: 1 } })) {
    if (entry.kind === 'refund') total += Number(entry.meta.amount);
    if (entry.kind === 'refund.failed') total -= Number(entry.meta.amount);
  }
  return total;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}
