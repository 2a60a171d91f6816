import type { Collection } from 'mongodb';
import type Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { requireVerifiedEmail } from '../auth/email-verification.js';
import { getUser } from '../accounts/users.js';
import { stripeClient } from '../stripe/client.js';
import { ValidationError } from '../errors/index.js';
import { BIC_PATTERN, normalizeIban } from './sepa.js';

export const PAYOUT_DESTINATIONS = 'payout_destinations';

/**
 * Where a creator's payouts go (`_id` = user id). Without one, or with
 * `method: 'manual'`, the admin pays by bank (CSV export) and marks it paid.
 * With a Stripe Connect Express account that can receive transfers
 * (`ready`), an approved payout becomes a Stripe transfer.
 */
export interface PayoutDestinationDoc {
  _id: string;
  method: 'manual' | 'stripe';
  /** The Express account (`acct_…`), kept when the creator switches back to manual. */
  stripeAccountId: string | null;
  /** Stripe says the account can receive transfers (capability `transfers` active, details submitted). */
  ready: boolean;
  /** For payouts by hand: the account the operator transfers to (the SEPA export needs it). */
  bank?: { holder: string; iban: string; bic: string | null } | null;
  updatedAt: Date;
}

export const destinations = (ctx: Pick<ServerContext, 'db'>): Collection<PayoutDestinationDoc> => ctx.db.collection<PayoutDestinationDoc>(PAYOUT_DESTINATIONS);

export async function destinationOf(ctx: ServerContext, userId: string): Promise<PayoutDestinationDoc> {
  return (await destinations(ctx).findOne({ _id: userId })) ?? { _id: userId, method: 'manual', stripeAccountId: null, ready: false, updatedAt: new Date(0) };
}

/**
 * Starts (or continues) Stripe Connect Express onboarding: creates the
 * creator's Express account once (Stripe's idempotency key and our
 * `$setOnInsert` keep it one account however often this runs at once) and
 * answers the one-time onboarding link Stripe hosts.
 */
export async function startStripeOnboarding(ctx: ServerContext, userId: string): Promise<{ url: string; accountId: string }> {
  await requireVerifiedEmail(ctx, userId);
  const stripe = stripeClient(ctx);
  let destination = await destinations(ctx).findOne({ _id: userId });
  if (!destination?.stripeAccountId) {
    const user = await getUser(ctx, userId);
    const account = await stripe.accounts.create({
      type: 'express',
      email: user.email,
      capabilities: { transfers: { requested: true } },
      metadata: { flattrUserId: userId },
    }, { idempotencyKey: `connect-account:${userId}` });
    await destinations(ctx).updateOne(
      { _id: userId, stripeAccountId: { $in: [null] } },
      { $set: { stripeAccountId: account.id, method: 'stripe', ready: isReady(account), updatedAt: ctx.clock.now() } },
      { upsert: true },
    ).catch((error) => { if ((error as { code?: number }).code !== 11000) throw error; });
    destination = await destinations(ctx).findOne({ _id: userId });
  } else if (destination.method !== 'stripe') {
    await destinations(ctx).updateOne({ _id: userId }, { $set: { method: 'stripe', updatedAt: ctx.clock.now() } });
  }
  const accountId = destination!.stripeAccountId!;
  const base = `${ctx.config.publicUrl}/creator/payouts/stripe`;
  const link = await stripe.accountLinks.create({ account: accountId, type: 'account_onboarding', refresh_url: `${base}/refresh`, return_url: `${base}/return` });
  return { url: link.url, accountId };
}

/** Asks Stripe how the creator's account stands (the return page; `account.updated` webhooks do the same). */
export async function refreshStripeAccount(ctx: ServerContext, userId: string): Promise<PayoutDestinationDoc> {
  const destination = await destinationOf(ctx, userId);
  if (!destination.stripeAccountId) return destination;
  await recordAccountUpdate(ctx, await stripeClient(ctx).accounts.retrieve(destination.stripeAccountId));
  return destinationOf(ctx, userId);
}

/** `account.updated`: whether the account can receive transfers now. */
export async function recordAccountUpdate(ctx: ServerContext, account: Stripe.Account): Promise<boolean> {
  const result = await destinations(ctx).updateOne({ stripeAccountId: account.id }, { $set: { ready: isReady(account), updatedAt: ctx.clock.now() } });
  return result.matchedCount > 0;
}

/** Back to the manual method (the Stripe account stays known, for a later switch back). */
export async function useManualPayouts(ctx: ServerContext, userId: string): Promise<void> {
  await destinations(ctx).updateOne({ _id: userId }, { $set: { method: 'manual', updatedAt: ctx.clock.now() } });
}

function isReady(account: Stripe.Account): boolean {
  return account.capabilities?.transfers === 'active' && account.details_submitted === true;
}

export async function ensureDestinationIndexes(ctx: ServerContext): Promise<void> {
  await destinations(ctx).createIndex({ stripeAccountId: 1 });
}

/** The bank account for payouts by hand (and the SEPA export): IBAN checked by its checksum. */
export async function setBankAccount(ctx: ServerContext, userId: string, input: { holder: string; iban: string; bic?: string }): Promise<PayoutDestinationDoc> {
  await requireVerifiedEmail(ctx, userId);
  const iban = normalizeIban(input.iban);
  if (!iban) throw new ValidationError('iban is not a valid IBAN (its checksum fails)', [{ path: 'iban', message: 'not a valid IBAN' }]);
  const bic = input.bic ? input.bic.replace(/\s+/g, '').toUpperCase() : null;
  if (bic && !BIC_PATTERN.test(bic)) throw new ValidationError('bic is not a valid BIC', [{ path: 'bic', message: 'not a valid BIC' }]);
  await destinations(ctx).updateOne(
    { _id: userId },
    { $set: { bank: { holder: input.holder.trim(), iban, bic }, updatedAt: ctx.clock.now() }, $setOnInsert: { method: 'manual', stripeAccountId: null, ready: false } },
    { upsert: true },
  ).catch((error) => {
    if ((error as { code?: number }).code !== 11000) throw error;
    return destinations(ctx).updateOne({ _id: userId }, { $set: { bank: { holder: input.holder.trim(), iban, bic }, updatedAt: ctx.clock.now() } });
  });
  return destinationOf(ctx, userId);
}
