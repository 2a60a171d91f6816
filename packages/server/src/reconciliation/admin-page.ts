import { ObjectId } from 'mongodb';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { AppError, ForbiddenError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { html, renderPage, sendPage, type SafeHtml } from '../pages/index.js';
import { CSRF_FIELD, csrfToken, requireSession, verifyCsrf, type Session } from '../auth/index.js';
import { listDebts } from '../deposits/index.js';
import { addMonths, PERIOD_PATTERN, periodOf } from '../money/index.js';
import { approvePayout, listPayouts } from '../payouts/index.js';
import { formatMinor } from '../settings/money-format.js';
import { reconcileStripe } from './reconcile-stripe.js';

const page = { description: 'HTML page', contentType: 'text/html' };

/**
 * `/admin/payments` (admins, first-party session): readers who owe, Stripe
 * payouts waiting for approval (a CSRF-checked button each), and the Stripe
 * reconciliation of a month with every difference. The same data as the
 * admin API (`/v1/admin/debts`, `/v1/admin/payouts`, `/v1/admin/reconciliation/stripe`).
 */
export function paymentsAdminPageRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/payments',
      summary: 'Admin page: debts, Stripe payouts to approve, the Stripe reconciliation of a month (`period`, default last month)',
      tags: ['pages'],
      query: z.object({ period: z.string().regex(PERIOD_PATTERN).optional().catch(undefined), done: z.enum(['approved', 'failed', 'error']).optional().catch(undefined) }),
      responses: { 200: page, 303: { description: 'To the login page without a session' }, 403: { description: '`insufficient_role`' } },
      handler: async ({ req, res, query }) => {
        const session = await adminSession(ctx, req, res);
        if (!session) return;
        const currency = ctx.config.currency;
        const period = query.period ?? addMonths(periodOf(ctx.clock.now()), -1);
        const token = await csrfToken(ctx, req, res);
        const debts = await listDebts(ctx);
        const emails = await emailsOf(ctx, debts.map((d) => d.userId));
        const due = ctx.config.stripe ? (await listPayouts(ctx, 'all')).filter((p) => p.method === 'stripe' && (p.status === 'requested' || p.status === 'transferring')) : [];
        let reconciliation: SafeHtml;
        if (!ctx.config.stripe) reconciliation = html`<p class="muted">Stripe is not configured.</p>`;
        else {
          try {
            const r = await reconcileStripe(ctx, period);
            reconciliation = html`<p>${r.rows.length} row(s), <strong>${r.differences} difference(s)</strong>; Stripe net ${formatMinor(r.totals.stripeNet, currency)} after fees ${formatMinor(r.totals.stripeFees, currency)}; journal ${formatMinor(r.totals.journal, currency)}.</p>
<table><thead><tr><th>status</th><th>created</th><th>type</th><th>Stripe</th><th>amount</th><th>journal entry</th><th>amount</th></tr></thead><tbody>
${r.rows.map((row) => html`<tr class="${row.status}"><td>${row.status}</td><td>${row.created.slice(0, 16)}</td><td>${row.type}</td><td>${row.stripeId ?? ''}</td><td>${row.stripeAmount ?? ''}</td><td>${row.entryId ?? ''}</td><td>${row.journalAmount ?? ''}</td></tr>`)}
</tbody></table>`;
          } catch (error) {
            if (!(error instanceof Error)) throw error;
            reconciliation = html`<p class="error" role="alert">Stripe could not be read: ${error.message}</p>`;
          }
        }
        const notices = { approved: 'The payout was transferred.', failed: 'Stripe refused the transfer: the money is back in the creator\'s wallet.', error: 'Stripe did not answer; try again.' } as const;
        sendPage(res, renderPage({
          title: 'Payments',
          body: html`<h1>Payments</h1>
${query.done ? html`<p class="${query.done === 'approved' ? 'notice' : 'error'}" role="status">${notices[query.done]}</p>` : ''}
<h2>Readers who owe</h2>
${debts.length === 0 ? html`<p class="muted">Nobody owes anything.</p>` : html`<p>Refunds and disputes that took back more than the reader's wallet held, in total ${formatMinor(debts.reduce((s, d) => s + d.owed, 0), currency)}. Each is collected from the reader's next money.</p>
<table><thead><tr><th>reader</th><th>owes</th></tr></thead><tbody>${debts.map((d) => html`<tr><td>${emails.get(d.userId) ?? d.userId}</td><td>${formatMinor(d.owed, currency)}</td></tr>`)}</tbody></table>`}
<h2>Stripe payouts to approve</h2>
${due.length === 0 ? html`<p class="muted">None waiting.</p>` : html`<table><thead><tr><th>requested</th><th>creator</th><th>amount</th><th></th></tr></thead><tbody>${due.map((p) => html`<tr><td>${p.requestedAt.toISOString().slice(0, 16)}</td><td>${p.userId.toHexString()}</td><td>${formatMinor(p.amount, p.currency)}</td><td>
<form method="post" action="/admin/payments/payouts/${p._id.toHexString()}/approve" class="inline">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<button type="submit">Approve: transfer ${formatMinor(p.amount, p.currency)}</button>
</form></td></tr>`)}</tbody></table>`}
<h2>Stripe reconciliation of ${period}</h2>
<form method="get" action="/admin/payments"><label>Month <input type="text" name="period" value="${period}" pattern="\\d{4}-\\d{2}"></label> <button type="submit" class="secondary">Show</button></form>
${reconciliation}`,
        }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/payments/payouts/:id/approve',
      summary: 'Approve a Stripe payout from the admin page (form post with the CSRF token)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      responses: { 303: { description: 'Back to /admin/payments with a notice' }, 403: { description: '`csrf_failed`, `insufficient_role`' } },
      handler: async ({ req, res, params }) => {
        const session = await adminSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        let done: 'approved' | 'failed' | 'error';
        try {
          done = (await approvePayout(ctx, params.id)).status === 'failed' ? 'failed' : 'approved';
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          done = 'error';
        }
        res.redirect(303, `/admin/payments?done=${done}`);
      },
    }),
  ];
}

async function adminSession(ctx: ServerContext, req: Parameters<typeof requireSession>[1], res: Parameters<typeof requireSession>[2]): Promise<Session | undefined> {
  const session = await requireSession(ctx, req, res);
  if (session && !session.user.roles.includes('admin')) throw new ForbiddenError('This page is for admins', 'insufficient_role');
  return session;
}

async function emailsOf(ctx: ServerContext, userIds: string[]): Promise<Map<string, string>> {
  const users = await collections.users(ctx.db).find({ _id: { $in: userIds.map((id) => new ObjectId(id)) } }, { projection: { email: 1 } }).toArray();
  return new Map(users.map((u) => [u._id.toHexString(), u.email]));
}
