import type { Config } from '../config/index.js';
import type { ServerContext } from '../context.js';

/** A payment the provider vouches for: money that reached the operator, to be credited to a user. */
export interface ConfirmedDeposit {
  /** The provider's own unique id for this payment (Stripe: the Checkout Session id). Makes the journal id. */
  reference: string;
  userId: string;
  /** Minor units of the deployment's currency. */
  amount: number;
  /** ISO 4217; must be the deployment's `CURRENCY` when given. */
  currency?: string;
  memo?: string;
}

/**
 * Where money comes from. Every provider ends in the same place:
 * `recordDeposit(ctx, provider, confirmed)`, one journal entry with the id
 * `deposit:<provider.name>:<reference>`, so a provider that repeats itself
 * (webhooks are delivered at least once) can never credit twice.
 *
 * Instant providers (`manual`, `demo`) confirm in the request that asks for
 * the deposit. Hosted checkouts implement the two optional steps: send the
 * reader to pay, then turn the provider's signed callback into confirmed
 * deposits (docs/deposits.md describes a Stripe Checkout adapter).
 */
export interface PaymentProvider {
  /** Stable, lower-case; part of every entry id this provider writes. */
  readonly name: string;
  readonly description: string;
  /** Money that was never paid: marked on the journal entry and in every answer. */
  readonly demo: boolean;
  isEnabled(config: Config): boolean;
  /** Hosted checkout: where to send the reader to pay `amount`, and the reference the callback will carry. */
  startCheckout?(ctx: ServerContext, request: { userId: string; amount: number; returnUrl: string }): Promise<{ redirectUrl: string; reference: string }>;
  /** Hosted checkout: verify the callback's signature over the raw body; return the payments it confirms (none if it is not a payment event). */
  confirmFromWebhook?(ctx: ServerContext, request: { rawBody: Buffer; headers: Record<string, string | undefined> }): Promise<ConfirmedDeposit[]>;
}

/** An admin credits an account by hand (bank transfer received, cash, correction). */
export const manualProvider: PaymentProvider = {
  name: 'manual',
  description: 'An admin credits an account, e.g. for a bank transfer received',
  demo: false,
  isEnabled: () => true,
};

/** DEMO ONLY: readers top up their own account with money that does not exist. Off unless DEMO_TOPUP=true. */
export const demoProvider: PaymentProvider = {
  name: 'demo',
  description: 'Demo top-up for development: credits play money, never enable in production',
  demo: true,
  isEnabled: (config) => config.demoTopUp,
};

export const builtInProviders: readonly PaymentProvider[] = [manualProvider, demoProvider];
