import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { ValidationError } from '../errors/index.js';
import { builtInProviders, MAX_DEMO_TOPUP, MAX_DEPOSIT, recordDeposit, type CheckoutState, type PaymentProvider } from '../deposits/index.js';
import type { PageRequest } from '../pages/index.js';

/**
 * The ways a reader tops up their own account: every enabled provider a
 * reader can use by themselves, one button each in the top-up form. A
 * provider with a hosted checkout (`startCheckout`, e.g. Stripe) sends the
 * reader there; an instant one (the demo provider) credits at once. `manual`
 * is the admin's (/admin). A new provider in `providers` adds a button, not a page.
 */
export function topUpProviders(ctx: ServerContext, providers: readonly PaymentProvider[] = builtInProviders): PaymentProvider[] {
  return providers.filter((p) => p.isEnabled(ctx.config) && (p.startCheckout !== undefined || p.demo));
}

/** Least and most a reader may add in one go with this provider. */
export function topUpBounds(ctx: ServerContext, provider: PaymentProvider): { min: number; max: number } {
  return provider.topUpBounds?.(ctx.config) ?? { min: 1, max: provider.demo ? MAX_DEMO_TOPUP : MAX_DEPOSIT };
}

/**
 * The origins the top-up form's answer may redirect to (hosted checkouts):
 * the dashboard's CSP `form-action` lists them, or the browser would refuse
 * to follow the redirect to the provider's payment page.
 */
export function topUpFormOrigins(providers: readonly PaymentProvider[]): string[] {
  return [...new Set(providers.flatMap((p) => p.checkoutOrigins ?? []))];
}

/**
 * A fresh reference for one rendering of the top-up form: the form posts it
 * back, so a form sent twice (double click, reload of the POST) credits once,
 * or, with a hosted checkout, opens the same checkout (its idempotency key).
 */
export function newTopUpReference(): string {
  return `page-${randomBytes(12).toString('hex')}`;
}

const REFERENCE = /^page-[0-9a-f]{24}$/;

/**
 * The top-up form's post: `provider` (the button pressed), `amount` as typed,
 * `reference` from the form. Answers where to send the browser.
 */
export async function topUp(page: PageRequest, body: Record<string, unknown>, providers: readonly PaymentProvider[] = builtInProviders): Promise<string> {
  const { ctx, fmt } = page;
  const userId = page.session!.userId;
  const provider = topUpProviders(ctx, providers).find((p) => p.name === body.provider);
  if (!provider) throw new ValidationError(`No top-up provider "${String(body.provider)}" is enabled`);
  const amount = fmt.parseMoney(body.amount);
  const { min, max } = topUpBounds(ctx, provider);
  if (amount === null || amount < min || amount > max) {
    throw new ValidationError(min > 1
      ? page.t('topup.badAmountRange', { min: fmt.money(min), max: fmt.money(max) })
      : page.t('topup.badAmount', { max: fmt.money(max) }));
  }
  const reference = typeof body.reference === 'string' && REFERENCE.test(body.reference) ? body.reference : undefined;
  if (provider.startCheckout) {
    // The amount is part of the key: the same form sent again opens the same checkout, a changed amount a new one.
    const idempotencyKey = reference && `${reference}:${amount}`;
    const { redirectUrl } = await provider.startCheckout(ctx, { userId, email: page.session!.user.email, amount, idempotencyKey });
    return redirectUrl;
  }
  if (!reference) throw new ValidationError('The form has no valid reference; reload the page');
  await recordDeposit(ctx, provider, { userId, amount, reference: `${userId}:${reference}` });
  return '/account?done=topup';
}

/** A hosted checkout the reader came back from (`?checkout=` on /account), as the dashboard shows it. */
export type CheckoutReturn = { state: 'cancelled' } | { state: CheckoutState; amount: number } | { state: 'unknown' };

/** `cancelled`, or a checkout id of one of the reader's hosted checkouts: how it stands, asked of the provider that made it. */
export async function checkoutReturn(page: PageRequest, checkout: string, providers: readonly PaymentProvider[] = builtInProviders): Promise<CheckoutReturn> {
  if (checkout === 'cancelled') return { state: 'cancelled' };
  for (const provider of topUpProviders(page.ctx, providers)) {
    const found = await provider.checkoutState?.(page.ctx, checkout, page.session!.userId);
    if (found) return found;
  }
  return { state: 'unknown' };
}
