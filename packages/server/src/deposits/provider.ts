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
 * Money a provider took back from the operator after a deposit: a refund, or
 * a dispute (chargeback). Debits the reader (docs/deposits.md, "Refunds and
 * disputes"): what the wallet holds, the rest as the reader's debt.
 */
export interface DepositReversal {
  kind: 'refund' | 'dispute';
  /** The provider's id of the refund or dispute: makes the journal id `<kind>:<provider>:<reference>`. */
  reference: string;
  /** The reference of the deposit it reverses. */
  depositReference: string;
  amount: number;
  currency?: string;
}

/** A reversal that came undone: the refund failed, or the operator won the dispute. Credits the reader again. */
export interface DepositReinstatement {
  kind: 'refund.failed' | 'dispute.won';
  /** The id of the refund or dispute (the reversal's reference). */
  reference: string;
  depositReference: string;
  amount: number;
  currency?: string;
}

/** What a provider's callback can say about deposits, provider-neutral. */
export type DepositEvent =
  | { type: 'confirmed'; deposit: ConfirmedDeposit; checkoutId?: string }
  | { type: 'reversed'; reversal: DepositReversal }
  | { type: 'reinstated'; reinstatement: DepositReinstatement }
  | { type: 'checkout.closed'; checkoutId: string; state: 'expired' | 'failed' };

/** A hosted checkout as the reader sees it on the return page. */
export type CheckoutState = 'pending' | 'succeeded' | 'failed' | 'expired';

/**
 * Where money comes from. Every provider ends in the same place:
 * `recordDeposit(ctx, provider, confirmed)`, one journal entry with the id
 * `deposit:<provider.name>:<reference>`, so a provider that repeats itself
 * (webhooks are delivered at least once) can never credit twice.
 *
 * Instant providers (`manual`, `demo`) confirm in the request that asks for
 * the deposit. Hosted checkouts (`stripe`, deposits/stripe-provider.ts)
 * send the reader to pay (`startCheckout`), then their signed callbacks
 * become `DepositEvent`s that `applyDepositEvent` writes: deposits, refunds
 * and disputes, each under a deterministic journal id.
 */
export interface PaymentProvider {
  /** Stable, lower-case; part of every entry id this provider writes. */
  readonly name: string;
  readonly description: string;
  /** Money that was never paid: marked on the journal entry and in every answer. */
  readonly demo: boolean;
  isEnabled(config: Config): boolean;
  /** Smallest and largest top-up a reader may start with this provider, minor units (default: 1 to the deposit maximum). */
  topUpBounds?(config: Config): { min: number; max: number };
  /**
   * Hosted checkout: where to send the reader to pay `amount`; `checkoutId`
   * names the attempt. The reader comes back to `CHECKOUT_RETURN_PATH` with
   * `?checkout=<checkoutId>` (or `?checkout=cancelled`), where the dashboard
   * shows how it stands (`checkoutState`).
   */
  startCheckout?(ctx: ServerContext, request: { userId: string; email: string; amount: number; idempotencyKey?: string }): Promise<{ redirectUrl: string; checkoutId: string }>;
  /**
   * Hosted checkout: the origins `redirectUrl` points at. A form whose answer
   * redirects there must list them in its page's CSP `form-action` (browsers
   * check the redirect's target too).
   */
  readonly checkoutOrigins?: readonly string[];
  /** Hosted checkout: how an attempt stands (for the return page), from what the callbacks recorded and, failing that, the provider. */
  checkoutState?(ctx: ServerContext, checkoutId: string, userId: string): Promise<{ state: CheckoutState; amount: number } | null>;
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

/** Where a hosted checkout sends the reader back (`?checkout=<id>` or `?checkout=cancelled`): the reader's dashboard, which shows the payment's state. */
export const CHECKOUT_RETURN_PATH = '/account';

