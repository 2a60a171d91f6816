import type { Collection } from 'mongodb';
import type { ServerContext } from '../context.js';

export const CHECKOUTS = 'checkouts';

/**
 * A hosted checkout a reader started (`_id` = the provider's id, e.g. Stripe's
 * `cs_…`): for the return page and the admin, never for money (the journal's
 * deposit entry is what credits).
 */
export interface CheckoutDoc {
  _id: string;
  provider: string;
  userId: string;
  amount: number;
  currency: string;
  state: 'open' | 'paid' | 'expired' | 'failed';
  /** The payment's reference once known (Stripe: the PaymentIntent), i.e. the deposit's `deposit:<provider>:<reference>`. */
  paymentReference: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const checkouts = (ctx: Pick<ServerContext, 'db'>): Collection<CheckoutDoc> => ctx.db.collection<CheckoutDoc>(CHECKOUTS);

/** Moves a checkout on; `paid` is final (an `expired` event delivered late does not undo it). */
export async function markCheckout(ctx: ServerContext, checkoutId: string, state: CheckoutDoc['state'], paymentReference: string | null = null): Promise<void> {
  const set: Partial<CheckoutDoc> = { state, updatedAt: ctx.clock.now() };
  if (paymentReference) set.paymentReference = paymentReference;
  await checkouts(ctx).updateOne({ _id: checkoutId, state: { $ne: 'paid' } }, { $set: set });
}

export async function ensureCheckoutIndexes(ctx: ServerContext): Promise<void> {
  await checkouts(ctx).createIndex({ userId: 1, createdAt: -1 });
}
