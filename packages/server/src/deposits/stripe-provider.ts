import type Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { UnprocessableError } from '../errors/index.js';
import { stripeClient } from '../stripe/client.js';
import { checkouts, markCheckout } from './checkouts.js';
import { CHECKOUT_RETURN_PATH, type CheckoutState, type PaymentProvider } from './provider.js';

/** The metadata key that names the reader on every Stripe object this server creates. */
export const USER_METADATA_KEY = 'flattrUserId';

/**
 * Card top-ups through Stripe Checkout (on when STRIPE_SECRET_KEY and
 * STRIPE_WEBHOOK_SECRET are set). The deposit's reference is the
 * PaymentIntent's id: both events that confirm a payment name it
 * (`checkout.session.completed`, `payment_intent.succeeded`), and so do the
 * refunds and disputes that take it back, so every one of them finds the
 * same `deposit:stripe:<pi_…>` entry.
 */
export const stripeProvider: PaymentProvider = {
  name: 'stripe',
  description: 'Card and bank payments through Stripe Checkout',
  demo: false,
  isEnabled: (config) => config.stripe !== null,
  topUpBounds: (config) => config.topUp,
  // Stripe Checkout's pages: the top-up form's answer redirects there.
  checkoutOrigins: ['https://checkout.stripe.com'],

  async startCheckout(ctx, request) {
    const { min, max } = ctx.config.topUp;
    if (!Number.isSafeInteger(request.amount) || request.amount < min || request.amount > max) {
      throw new UnprocessableError(`A top-up is between ${min} and ${max} (minor units of ${ctx.config.currency})`, 'amount_out_of_range', { min, max });
    }
    const metadata = { [USER_METADATA_KEY]: request.userId };
    const returnUrl = `${ctx.config.publicUrl}${CHECKOUT_RETURN_PATH}`;
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      line_items: [{
        quantity: 1,
        price_data: { currency: ctx.config.currency.toLowerCase(), unit_amount: request.amount, product_data: { name: 'Flattr top-up' } },
      }],
      client_reference_id: request.userId,
      customer_email: request.email,
      metadata,
      payment_intent_data: { metadata },
      success_url: `${returnUrl}?checkout={CHECKOUT_SESSION_ID}#top-up`,
      cancel_url: `${returnUrl}?checkout=cancelled#top-up`,
    };
    const session = await stripeClient(ctx).checkout.sessions.create(params, request.idempotencyKey ? { idempotencyKey: `topup:${request.userId}:${request.idempotencyKey}` } : undefined);
    if (!session.url) throw new Error(`Stripe answered checkout session ${session.id} without a URL`);
    const now = ctx.clock.now();
    await checkouts(ctx).updateOne(
      { _id: session.id },
      { $setOnInsert: { provider: 'stripe', userId: request.userId, amount: request.amount, currency: ctx.config.currency, state: 'open', paymentReference: null, createdAt: now, updatedAt: now } },
      { upsert: true },
    );
    return { redirectUrl: session.url, checkoutId: session.id };
  },

  async checkoutState(ctx, checkoutId, userId) {
    const doc = await checkouts(ctx).findOne({ _id: checkoutId, userId });
    if (!doc) return null;
    if (doc.state === 'paid') return { state: 'succeeded', amount: doc.amount };
    if (doc.state === 'expired' || doc.state === 'failed') return { state: doc.state, amount: doc.amount };
    // No webhook yet: ask Stripe how the session stands (paid but not yet credited is still pending).
    const session = await stripeClient(ctx).checkout.sessions.retrieve(checkoutId);
    let state: CheckoutState = 'pending';
    if (session.status === 'expired') {
      state = 'expired';
      await markCheckout(ctx, checkoutId, 'expired');
    }
    return { state, amount: doc.amount };
  },
};
