import { z } from 'zod';
import type { Request } from 'express';
import type { ServerContext, ServerModule } from '../context.js';
import { changeRoles, findUser, findUserByEmail, ROLES } from '../accounts/index.js';
import { sessionFromRequest } from '../auth/index.js';
import { collections } from '../db/index.js';
import { manualProvider, recordDeposit } from '../deposits/index.js';
import { backgroundRuns, getDistribution, startDistribution } from '../distribution/index.js';
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { storedText } from '../http/stored-text.js';
import type { Role } from '../http/auth-context.js';
import { verifyLedger } from '../ledger/index.js';
import { addMonths, PERIOD_PATTERN, periodOf } from '../money/index.js';
import { approvePayout, listPayouts, markPaid, payoutsCsv, sepaExportOfDue } from '../payouts/index.js';
import { handleForm, openPage } from '../pages/index.js';
import { ADMIN_NOTICES, loadAdmin, renderAdmin } from './admin-page.js';
import { loadPayments, renderPayments } from './payments-page.js';
import { renderRun, runFields } from './run-page.js';

const htmlPage = (description: string) => ({ description, contentType: 'text/html' });
const back = { description: 'Back to /admin with a notice (or to the login page without a session)' };
const refused = htmlPage('The refusal as a page: 403 (`csrf_failed`, not an admin), or what the domain refused (4xx, its code on the page)');
const formText = z.string().max(2000).optional();
const periodParam = z.object({ period: z.string().regex(PERIOD_PATTERN, 'must be a month like 2026-11') });

/** `/admin`: distribution runs with live progress, the ledger check, deposits, payouts to pay or approve (Stripe), users and roles, the monthly statistics; `/admin/payments`: debts and the Stripe reconciliation. */
export const adminPagesModule: ServerModule = {
  name: 'admin-pages',
  routes: (ctx) => adminRoutes(ctx),
};

function adminRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin',
      summary: 'The admin page: months and their distribution, ledger check, manual deposits, payouts to pay, users and roles, monthly statistics (HTML, admins only)',
      tags: ['pages'],
      query: z.object({ done: z.enum(ADMIN_NOTICES).optional().catch(undefined), q: z.string().max(200).optional(), lang: formText }),
      responses: { 200: htmlPage('The admin page'), 303: { description: 'No session: to the login page' }, 403: refused },
      handler: async ({ req, res, query }) => {
        const page = await openPage(ctx, req, res, 'admin');
        if (page) renderAdmin(page, await loadAdmin(page, query.q), { done: query.done, search: query.q });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/ledger/verify',
      summary: 'Check the ledger now; answers the admin page with the report (form post with the CSRF token)',
      tags: ['pages'],
      body: z.object({ _csrf: formText }),
      responses: { 200: htmlPage('The admin page with the report'), 403: refused },
      handler: async ({ req, res }) => {
        await handleForm(ctx, req, res, 'admin', async (page) => {
          const ledger = await verifyLedger(ctx);
          renderAdmin(page, await loadAdmin(page, undefined), { ledger });
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/distributions',
      summary: 'Start (or resume) the distribution of an ended month (form post: `period`, CSRF token); it runs in the background',
      tags: ['pages'],
      body: z.object({ period: formText, _csrf: formText }),
      responses: { 303: { description: 'To the run\'s page' }, 400: refused, 403: refused, 409: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'admin', async (page) => {
          const { run, done } = await startDistribution(ctx, body.period ?? '');
          backgroundRuns.set(run.period, done);
          void done.finally(() => backgroundRuns.delete(run.period));
          page.redirect(`/admin/distributions/${run.period}`);
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/distributions/:period',
      summary: 'A distribution run: stages, live progress, totals and the ledger checks before and after (HTML; reloads itself without JavaScript while it runs)',
      tags: ['pages'],
      params: periodParam,
      query: z.object({ lang: formText }),
      responses: { 200: htmlPage('The run'), 303: { description: 'No session: to the login page' }, 403: refused, 404: refused },
      handler: async ({ req, res, params }) => {
        const page = await openPage(ctx, req, res, 'admin');
        if (!page) return;
        const run = await getDistribution(ctx, params.period);
        if (!run) return page.problem(404, 'distribution_not_found', page.t('admin.run.none', { month: page.fmt.period(params.period) }), '/admin');
        renderRun(page, run);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/distributions/:period/status.json',
      summary: 'The run\'s status and figures as its page shows them (the page\'s script polls this; admin session)',
      tags: ['pages'],
      params: periodParam,
      responses: {
        200: { description: '`status`, `stage` and the page\'s `fields` (formatted texts)', schema: z.object({ status: z.string(), stage: z.string(), fields: z.record(z.string(), z.string()) }) },
        401: { description: '`unauthorized`: no session' },
        403: { description: '`insufficient_role`' },
        404: { description: '`distribution_not_found`' },
      },
      handler: async ({ req, res, params }) => {
        await requireAdminSession(ctx, req);
        const page = (await openPage(ctx, req, res, 'admin'))!;
        const run = await getDistribution(ctx, params.period);
        if (!run) throw new NotFoundError(`No distribution of ${params.period} has been started`, 'distribution_not_found');
        return { body: { status: run.status, stage: run.stage, fields: runFields(page, run) }, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/deposits',
      summary: 'Credit an account by hand (manual provider; form post: `user` email or id, `amount` in major units, `reference`, CSRF token)',
      tags: ['pages'],
      body: z.object({ user: formText, amount: formText, reference: formText, _csrf: formText }),
      responses: { 303: back, 400: refused, 403: refused, 404: refused, 409: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'admin', async (page) => {
          const who = (body.user ?? '').trim();
          const user = who.includes('@') ? await findUserByEmail(ctx, who) : await findUser(ctx, who);
          if (!user) throw new NotFoundError(page.t('admin.deposit.noUser', { user: who }), 'user_not_found');
          const amount = page.fmt.parseMoney(body.amount);
          if (amount === null || amount < 1) throw new ValidationError(page.t('creator.payouts.badAmount'));
          await recordDeposit(ctx, manualProvider, { userId: user._id.toHexString(), amount, reference: (body.reference ?? '').trim() });
          page.redirect('/admin?done=deposit#deposit');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/payouts/:id/paid',
      summary: 'Mark a payout as sent (form post: `reference` of the transfer, CSRF token)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      // The reference is stored (journal memo, payout doc, CSV): the API's schema, control characters refused; empty gets the page's message.
      body: z.object({ reference: storedText('reference', 200).optional(), _csrf: formText }),
      responses: { 303: back, 400: refused, 403: refused, 404: refused, 409: refused },
      handler: async ({ req, res, params, body }) => {
        await handleForm(ctx, req, res, 'admin', async (page) => {
          const reference = body.reference ?? '';
          if (!reference) throw new ValidationError(page.t('admin.payouts.referenceMissing'));
          await markPaid(ctx, params.id, reference);
          page.redirect('/admin?done=paid#payouts');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/payouts/:id/approve',
      summary: 'Approve a Stripe payout: a transfer to the creator\'s Stripe account (form post with the CSRF token; approving again never transfers twice)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({ _csrf: formText }),
      responses: { 303: { description: 'Back to /admin with the outcome: transferred, refused by Stripe (the money is back in the wallet), or Stripe did not answer' }, 403: refused, 404: refused, 409: refused },
      handler: async ({ req, res, params }) => {
        await handleForm(ctx, req, res, 'admin', async (page) => {
          let done: 'approved' | 'transfer-failed' | 'transfer-error';
          try {
            done = (await approvePayout(ctx, params.id)).status === 'failed' ? 'transfer-failed' : 'approved';
          } catch (error) {
            // Stripe not answering (5xx) leaves the payout `transferring`: the page says so and offers to approve again.
            if (!(error instanceof AppError) || error.status < 500) throw error;
            done = 'transfer-error';
          }
          page.redirect(`/admin?done=${done}#payouts`);
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/payments',
      summary: 'Readers who owe (refunds and disputes beyond their wallet) and the Stripe reconciliation of a month (`period`, default: last month) (HTML, admins only)',
      tags: ['pages'],
      query: z.object({ period: z.string().regex(PERIOD_PATTERN).optional().catch(undefined), lang: formText }),
      responses: { 200: htmlPage('The payments page'), 303: { description: 'No session: to the login page' }, 403: refused },
      handler: async ({ req, res, query }) => {
        const page = await openPage(ctx, req, res, 'admin');
        if (!page) return;
        renderPayments(page, await loadPayments(page, query.period ?? addMonths(periodOf(ctx.clock.now()), -1)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/payouts.xml',
      summary: 'The payouts due by hand as a SEPA credit-transfer file (pain.001.001.09) for the operator\'s bank (admin session; needs SEPA_DEBTOR_NAME/IBAN)',
      tags: ['pages'],
      responses: {
        200: { description: 'SEPA XML', contentType: 'application/xml' },
        401: { description: '`unauthorized`' },
        403: { description: '`insufficient_role`, `sepa_not_configured`' },
        422: { description: '`bank_details_missing`: payouts whose creator gave no bank account (with `payoutIds`)' },
      },
      handler: async ({ req, res }) => {
        await requireAdminSession(ctx, req);
        const xml = await sepaExportOfDue(ctx, await listPayouts(ctx, 'requested'));
        res.status(200).type('application/xml; charset=utf-8')
          .set({ 'Content-Disposition': 'attachment; filename="payouts-sepa.xml"', 'Cache-Control': 'no-store' })
          .send(xml);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/payouts.csv',
      summary: 'Payouts as CSV for the bank (`status`: requested (default) or all; admin session)',
      tags: ['pages'],
      query: z.object({ status: z.enum(['requested', 'paid', 'all']).default('requested') }),
      responses: { 200: { description: 'CSV', contentType: 'text/csv' }, 401: { description: '`unauthorized`' }, 403: { description: '`insufficient_role`' } },
      handler: async ({ req, res, query }) => {
        await requireAdminSession(ctx, req);
        const docs = await listPayouts(ctx, query.status);
        const users = await collections.users(ctx.db).find({ _id: { $in: [...new Set(docs.map((d) => d.userId))] } }, { projection: { email: 1 } }).toArray();
        res.status(200).type('text/csv; charset=utf-8')
          .set({ 'Content-Disposition': `attachment; filename="payouts-${query.status}.csv"`, 'Cache-Control': 'no-store' })
          .send(payoutsCsv(docs, new Map(users.map((u) => [u._id.toHexString(), u.email]))));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/users/:id/roles',
      summary: 'Set a user\'s roles (form post: `roles` checkboxes, CSRF token; reader is always kept, an admin keeps their own admin role)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({ roles: z.union([z.string(), z.array(z.string())]).optional(), _csrf: formText }),
      responses: { 303: back, 403: refused, 404: refused, 422: refused },
      handler: async ({ req, res, params, body }) => {
        await handleForm(ctx, req, res, 'admin', async (page) => {
          const picked = [body.roles ?? []].flat().filter((r): r is Role => (ROLES as readonly string[]).includes(r));
          await changeRoles(ctx, page.session!.userId, params.id, picked);
          page.redirect('/admin?done=roles#users');
        });
      },
    }),
  ];
}

/** For the admin's JSON and CSV answers (read by the page's script or a download): problem+json, never a login page. */
async function requireAdminSession(ctx: ServerContext, req: Request): Promise<void> {
  const session = await sessionFromRequest(ctx, req);
  if (!session) throw new UnauthorizedError('Log in on the service first');
  if (!session.user.roles.includes('admin')) throw new ForbiddenError('This needs the admin role', 'insufficient_role');
}
