import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { html, renderPage, sendPage, type SafeHtml } from '../pages/index.js';
import { CSRF_FIELD, csrfToken, requireSession, verifyCsrf } from '../auth/index.js';
import { decimalToMinor, formatMinor, minorToDecimal } from '../settings/money-format.js';
import { stripeProvider } from './stripe-provider.js';

const page = { description: 'HTML page', contentType: 'text/html' };
/** Stripe Checkout's pages: the top-up form's redirect goes there, so the page's CSP `form-action` must allow it. */
const CHECKOUT_ORIGIN = 'https://checkout.stripe.com';

/**
 * The reader's top-up: a form for the amount (`/account/topup`), the
 * redirect to Stripe Checkout, and the page Stripe sends the reader back to,
 * which says how the payment stands (pending until the signed webhook has
 * credited it; it reloads itself meanwhile).
 */
export function topUpPageRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/account/topup',
      summary: 'Top-up page: pay by card through Stripe (or says that this service has no card top-ups)',
      tags: ['pages'],
      query: z.object({ error: z.enum(['amount']).optional().catch(undefined) }),
      responses: { 200: page, 303: { description: 'To the login page without a session' } },
      handler: async ({ req, res, query }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        const { min, max } = ctx.config.topUp;
        const currency = ctx.config.currency;
        if (!stripeProvider.isEnabled(ctx.config)) {
          return show(res, html`<h1>Add money</h1>
<p class="notice" role="status">Card top-ups are not available on this service (no payment provider is configured). Ask the operator about a bank transfer.</p>`);
        }
        const token = await csrfToken(ctx, req, res);
        show(res, html`<h1>Add money</h1>
${ctx.config.stripe!.mode === 'test' ? html`<p class="notice">Test mode: use Stripe's test cards; no real money moves.</p>` : ''}
${query.error ? html`<p class="error" role="alert">The amount must be between ${formatMinor(min, currency)} and ${formatMinor(max, currency)}.</p>` : ''}
<form method="post" action="/account/topup">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<label>Amount (${currency}) <input type="text" name="amount" inputmode="decimal" required value="${minorToDecimal(Math.max(min, 1000), currency)}"></label>
<p class="muted">Between ${formatMinor(min, currency)} and ${formatMinor(max, currency)}. You pay on Stripe's page and come back here.</p>
<div class="actions"><button type="submit">Pay with Stripe</button></div>
</form>`, [CHECKOUT_ORIGIN]);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/topup',
      summary: 'Start a card top-up (form post with the CSRF token; amount in major units): redirects to Stripe Checkout',
      tags: ['pages'],
      responses: { 303: { description: 'To Stripe Checkout (or back to the form with an error)' }, 403: { description: '`csrf_failed`, `provider_disabled`' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        if (!stripeProvider.isEnabled(ctx.config)) throw new AppError(403, 'provider_disabled', 'Card top-ups are not available on this service');
        const raw = (req.body as Record<string, unknown> | undefined)?.amount;
        const amount = typeof raw === 'string' ? decimalToMinor(raw, ctx.config.currency) : null;
        if (amount === null || amount < ctx.config.topUp.min || amount > ctx.config.topUp.max) return void res.redirect(303, '/account/topup?error=amount');
        const started = await stripeProvider.startCheckout!(ctx, { userId: session.userId, email: session.user.email, amount });
        res.set('Cache-Control', 'no-store').redirect(303, started.redirectUrl);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/account/topup/return',
      summary: 'Where Stripe Checkout sends the reader back: pending (reloads), succeeded, failed, expired or cancelled',
      tags: ['pages'],
      query: z.object({ session_id: z.string().max(300).optional(), cancelled: z.string().max(5).optional() }),
      responses: { 200: page, 303: { description: 'To the login page without a session' } },
      handler: async ({ req, res, query }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        const again = html`<p><a href="/account/topup">Add money</a> · <a href="/account">Your account</a></p>`;
        if (query.cancelled || !query.session_id || !stripeProvider.isEnabled(ctx.config)) {
          return show(res, html`<h1>Top-up cancelled</h1><p role="status">Nothing was charged.</p>${again}`);
        }
        const state = /^cs_[A-Za-z0-9_]+$/.test(query.session_id) ? await stripeProvider.checkoutState!(ctx, query.session_id, session.userId) : null;
        if (!state) return show(res, html`<h1>Unknown top-up</h1><p class="error" role="alert">This payment is not one of yours.</p>${again}`, undefined, 404);
        const amount = formatMinor(state.amount, ctx.config.currency);
        const views: Record<typeof state.state, SafeHtml> = {
          pending: html`<h1>Payment pending</h1><p role="status" class="notice">We are waiting for Stripe to confirm your payment of ${amount}. This page reloads by itself.</p>`,
          succeeded: html`<h1>Thank you</h1><p role="status" class="notice">${amount} is in your account.</p>`,
          failed: html`<h1>Payment failed</h1><p role="alert" class="error">The payment of ${amount} did not go through. Nothing was credited.</p>`,
          expired: html`<h1>Payment not completed</h1><p role="alert" class="error">The payment page expired before the payment of ${amount} was made.</p>`,
        };
        show(res, html`${views[state.state]}${again}`, undefined, 200, state.state === 'pending');
      },
    }),
  ];
}

function show(res: Parameters<typeof sendPage>[0], body: SafeHtml, formAction?: string[], status = 200, reload = false): void {
  sendPage(res, renderPage({
    title: 'Add money',
    head: reload ? html`<meta http-equiv="refresh" content="3">` : undefined,
    body,
  }), { status, formAction });
}
