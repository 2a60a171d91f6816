import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../context.js';
import { ValidationError } from '../errors/index.js';
import { builtInProviders, MAX_DEMO_TOPUP, MAX_DEPOSIT, recordDeposit, type PaymentProvider } from '../deposits/index.js';
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

/** Most a reader may add in one go with this provider. */
export function topUpLimit(provider: PaymentProvider): number {
  return provider.demo ? MAX_DEMO_TOPUP : MAX_DEPOSIT;
}

/**
 * A fresh reference for one rendering of the top-up form: the form posts it
 * back, so a form sent twice (double click, reload of the POST) credits once.
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
  const limit = topUpLimit(provider);
  if (amount === null || amount < 1 || amount > limit) {
    throw new ValidationError(page.t('topup.badAmount', { max: fmt.money(limit) }));
  }
  if (provider.startCheckout) {
    const { redirectUrl } = await provider.startCheckout(ctx, { userId, email: page.session!.user.email, amount });
    return redirectUrl;
  }
  if (typeof body.reference !== 'string' || !REFERENCE.test(body.reference)) throw new ValidationError('The form has no valid reference; reload the page');
  await recordDeposit(ctx, provider, { userId, amount, reference: `${userId}:${body.reference}` });
  return '/account?done=topup';
}
