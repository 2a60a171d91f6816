import type { Response } from 'express';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { html, renderPage, sendPage, type SafeHtml } from '../pages/index.js';
import { CSRF_FIELD, csrfToken, requireSession, verifyCsrf } from '../auth/index.js';
import { AppError } from '../errors/index.js';
import { destinationOf, refreshStripeAccount, setBankAccount, startStripeOnboarding, useManualPayouts } from './destinations.js';

const page = { description: 'HTML page', contentType: 'text/html' };
/** Where Stripe hosts Connect onboarding: the form's redirect goes there. */
const CONNECT_ORIGINS = ['https://connect.stripe.com'];

/**
 * The creator's payout destination on the service's own pages: connect a
 * Stripe Express account (a form post that redirects to Stripe's
 * onboarding), the pages Stripe returns to, and the switch back to manual.
 */
export function creatorPayoutPageRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/creator/payouts/destination',
      summary: 'Payout destination page: by hand or to a Stripe account',
      tags: ['pages'],
      responses: { 200: page, 303: { description: 'To the login page without a session' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        const token = await csrfToken(ctx, req, res);
        show(res, await destinationView(ctx, session.userId, token));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts/stripe',
      summary: 'Connect (or finish connecting) a Stripe account: redirects to Stripe\'s onboarding (form post with the CSRF token)',
      tags: ['pages'],
      responses: { 303: { description: 'To Stripe' }, 403: { description: '`csrf_failed`, `email_unverified`' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        const { url } = await startStripeOnboarding(ctx, session.userId);
        res.set('Cache-Control', 'no-store').redirect(303, url);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts/bank',
      summary: 'Set the bank account for payouts by hand (form post with the CSRF token)',
      tags: ['pages'],
      responses: { 200: { ...page, description: 'The page with a notice' }, 400: { ...page, description: 'The page with the error' }, 403: { description: '`csrf_failed`, `email_unverified`' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        const form = (req.body ?? {}) as Record<string, unknown>;
        const text = (key: string) => (typeof form[key] === 'string' ? (form[key] as string).slice(0, 80) : '');
        let notice: SafeHtml;
        let status = 200;
        try {
          await setBankAccount(ctx, session.userId, { holder: text('holder') || session.user.name, iban: text('iban'), bic: text('bic') || undefined });
          notice = html`<p class="notice" role="status">Your bank account is saved.</p>`;
        } catch (error) {
          if (!(error instanceof AppError) || error.status !== 400) throw error;
          notice = html`<p class="error" role="alert">${error.message}</p>`;
          status = 400;
        }
        show(res, html`${notice}${await destinationView(ctx, session.userId, await csrfToken(ctx, req, res))}`, status);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts/manual',
      summary: 'Back to payouts by hand (form post with the CSRF token)',
      tags: ['pages'],
      responses: { 303: { description: 'Back to the destination page' }, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        await useManualPayouts(ctx, session.userId);
        res.redirect(303, '/creator/payouts/destination');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/creator/payouts/stripe/return',
      summary: 'Where Stripe\'s onboarding returns: asks Stripe how the account stands and shows it',
      tags: ['pages'],
      responses: { 200: page, 303: { description: 'To the login page without a session' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await refreshStripeAccount(ctx, session.userId);
        show(res, await destinationView(ctx, session.userId, await csrfToken(ctx, req, res)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/creator/payouts/stripe/refresh',
      summary: 'Where Stripe sends a creator whose onboarding link expired: a fresh link',
      tags: ['pages'],
      responses: { 303: { description: 'To a fresh onboarding link' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        const { url } = await startStripeOnboarding(ctx, session.userId);
        res.set('Cache-Control', 'no-store').redirect(303, url);
      },
    }),
  ];
}

async function destinationView(ctx: ServerContext, userId: string, token: string): Promise<SafeHtml> {
  const destination = await destinationOf(ctx, userId);
  const stripeOn = ctx.config.stripe !== null;
  const status = destination.method === 'stripe' && destination.stripeAccountId
    ? destination.ready
      ? html`<p class="notice" role="status">Payouts go to your Stripe account ${destination.stripeAccountId}.</p>`
      : html`<p class="notice" role="status">Your Stripe account ${destination.stripeAccountId} needs more details before it can receive payouts.</p>`
    : html`<p role="status">Payouts are made by hand: the operator sends a bank transfer.</p>`;
  return html`<h1>Where your payouts go</h1>
${status}
${stripeOn ? html`<form method="post" action="/creator/payouts/stripe">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<div class="actions"><button type="submit">${destination.stripeAccountId ? 'Continue on Stripe' : 'Connect a Stripe account'}</button></div>
</form>` : html`<p class="muted">This service does not pay out through Stripe.</p>`}
<h2>Bank account for payouts by hand</h2>
${destination.bank ? html`<p>${destination.bank.holder}, IBAN …${destination.bank.iban.slice(-4)}</p>` : html`<p class="muted">None yet.</p>`}
<form method="post" action="/creator/payouts/bank">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<label>Account holder <input type="text" name="holder" maxlength="70" autocomplete="name" value="${destination.bank?.holder ?? ''}"></label>
<label>IBAN <input type="text" name="iban" maxlength="42" required autocomplete="off"></label>
<label>BIC (optional) <input type="text" name="bic" maxlength="14" autocomplete="off"></label>
<div class="actions"><button type="submit">Save bank account</button></div>
</form>
${destination.method === 'stripe' ? html`<form method="post" action="/creator/payouts/manual">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<div class="actions"><button type="submit" class="secondary">Use payouts by hand instead</button></div>
</form>` : ''}`;
}

function show(res: Response, body: SafeHtml, status = 200): void {
  sendPage(res, renderPage({ title: 'Payout destination', body }), { formAction: CONNECT_ORIGINS, status });
}

