import { z } from 'zod';
import type { ServerContext, ServerModule } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { isEmailVerified, sendVerificationEmail } from '../auth/index.js';
import { UnprocessableError } from '../errors/index.js';
import { withdrawFlattr } from '../flattrs/index.js';
import { cancelSubscription, setPaused } from '../subscriptions/index.js';
import { handleForm, openPage } from '../pages/index.js';
import { DASHBOARD_NOTICES, loadDashboard, renderDashboard } from './dashboard.js';
import { checkoutReturn, topUp } from './top-up.js';

const htmlPage = (description: string) => ({ description, contentType: 'text/html' });
const back = { description: 'Back to /account with a notice (or to the login page without a session)' };
const refused = htmlPage('The refusal as a page: `csrf_failed` (403), or what the domain refused (4xx, its code on the page)');
const formText = z.string().max(2000).optional();

/** `/account`: the reader's dashboard and its forms. */
export const readerPagesModule: ServerModule = {
  name: 'reader-pages',
  routes: (ctx) => readerRoutes(ctx),
};

function readerRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/account',
      summary: 'The reader\'s dashboard: balance, this month\'s flattrs with their share if the month ended now, subscriptions, top-up (one button per provider; `checkout`: the hosted checkout the reader came back from, with its state), email confirmation, past months, one-click sites (HTML)',
      tags: ['pages'],
      query: z.object({
        done: z.enum(DASHBOARD_NOTICES).optional().catch(undefined),
        checkout: z.string().regex(/^[A-Za-z0-9_]{1,200}$/).optional().catch(undefined).describe('`cancelled`, or the id of a hosted checkout (Stripe: `cs_…`) the reader came back from'),
        lang: formText,
      }),
      responses: { 200: htmlPage('The dashboard'), 303: { description: 'No session: to the login page' } },
      handler: async ({ req, res, query }) => {
        const page = await openPage(ctx, req, res, 'user');
        if (!page) return;
        const checkout = query.checkout ? await checkoutReturn(page, query.checkout) : undefined;
        renderDashboard(page, await loadDashboard(page), query.done, checkout);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/verify/resend',
      summary: 'Send the email-confirmation link again (form post with the CSRF token; at most once a minute)',
      tags: ['pages'],
      body: z.object({ _csrf: formText }),
      responses: { 303: back, 403: refused, 422: refused },
      handler: async ({ req, res }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          if (isEmailVerified(page.session!.user)) return page.redirect('/account');
          const outcome = await sendVerificationEmail(ctx, page.session!.user);
          if (outcome === 'off') throw new UnprocessableError(page.t('account.email.off'), 'mail_off');
          page.redirect('/account?done=verification-sent');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/top-up',
      summary: 'Top up with a payment provider (form post: `provider`, `amount` in major units, `reference`, CSRF token)',
      tags: ['pages'],
      body: z.object({ provider: formText, amount: formText, reference: formText, _csrf: formText }),
      responses: { 303: { description: 'Credited (instant provider): back to /account; hosted checkout: to the provider' }, 400: refused, 403: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'user', async (page) => page.redirect(await topUp(page, body)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/flattrs/:id/withdraw',
      summary: 'Withdraw one of your flattrs of this month (form post with the CSRF token)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({ _csrf: formText }),
      responses: { 303: back, 403: refused, 404: refused, 409: refused },
      handler: async ({ req, res, params }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          await withdrawFlattr(ctx, page.session!.userId, params.id);
          page.redirect('/account?done=withdrawn');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/subscriptions/:id/:action',
      summary: 'Pause, resume or stop one of your subscriptions (form post with the CSRF token)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64), action: z.enum(['pause', 'resume', 'cancel']) }),
      body: z.object({ _csrf: formText }),
      responses: { 303: back, 403: refused, 404: refused, 409: refused },
      handler: async ({ req, res, params }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          const userId = page.session!.userId;
          if (params.action === 'cancel') await cancelSubscription(ctx, userId, params.id);
          else await setPaused(ctx, userId, params.id, params.action === 'pause');
          page.redirect(`/account?done=${params.action === 'pause' ? 'paused' : params.action === 'resume' ? 'resumed' : 'cancelled'}`);
        });
      },
    }),
  ];
}
