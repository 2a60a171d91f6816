import { ObjectId } from 'mongodb';
import { collections } from '../db/index.js';
import { listDebts } from '../deposits/index.js';
import { AppError } from '../errors/index.js';
import { reconcileStripe, type Reconciliation, type ReconciliationRow } from '../reconciliation/index.js';
import { Stripe } from '../stripe/client.js';
import { card, html, money, type PageRequest, type SafeHtml } from '../pages/index.js';

interface PaymentsData {
  debts: Array<{ userId: string; owed: number; email: string | null }>;
  period: string;
  /** null: Stripe is off; a string: Stripe could not be read (why). */
  reconciliation: Reconciliation | string | null;
}

/**
 * `/admin/payments`: readers who owe (refunds and disputes took back more
 * than their wallet held) and the Stripe reconciliation of a month, the same
 * data as `GET /v1/admin/debts` and `GET /v1/admin/reconciliation/stripe`.
 * A page of its own because both read a lot (the journal's debt accounts,
 * Stripe's balance transactions); the payouts to approve are on /admin.
 */
export async function loadPayments(page: PageRequest, period: string): Promise<PaymentsData> {
  const { ctx } = page;
  const debts = await listDebts(ctx);
  const users = debts.length === 0 ? [] : await collections.users(ctx.db)
    .find({ _id: { $in: debts.map((d) => new ObjectId(d.userId)) } }, { projection: { email: 1 } }).toArray();
  const emails = new Map(users.map((u) => [u._id.toHexString(), u.email]));
  let reconciliation: PaymentsData['reconciliation'] = null;
  if (ctx.config.stripe) {
    try {
      reconciliation = await reconcileStripe(ctx, period);
    } catch (error) {
      // Stripe down or refusing: the page says so instead of failing as a whole.
      if (!(error instanceof Stripe.errors.StripeError) && !(error instanceof AppError)) throw error;
      reconciliation = error.message;
    }
  }
  return { debts: debts.map((d) => ({ ...d, email: emails.get(d.userId) ?? null })), period, reconciliation };
}

export function renderPayments(page: PageRequest, data: PaymentsData): void {
  const { t, fmt } = page;
  page.send({
    title: t('admin.payments.title'),
    current: 'admin',
    body: html`<p><a href="/admin#payouts">${t('admin.payments.back')}</a></p>
<h1>${t('admin.payments.title')}</h1>
${debtsCard(page, data.debts)}
${card('reconciliation', t('admin.reconciliation.heading', { month: fmt.period(data.period) }), html`<form method="get" action="/admin/payments#reconciliation" class="row">
<label>${t('admin.reconciliation.month')} <input type="month" name="period" required value="${data.period}"></label>
<button type="submit" class="secondary">${t('admin.reconciliation.show')}</button>
</form>
${reconciliationContent(page, data.reconciliation)}`)}`,
  });
}

function debtsCard(page: PageRequest, debts: PaymentsData['debts']): SafeHtml {
  const { t, fmt } = page;
  if (debts.length === 0) return card('debts', t('admin.debts.heading'), html`<p class="muted">${t('admin.debts.none')}</p>`);
  const total = debts.reduce((sum, d) => sum + d.owed, 0);
  return card('debts', t('admin.debts.heading'), html`<p>${t('admin.debts.explain')}</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.user')}</th><th scope="col" class="num">${t('col.owes')}</th></tr></thead>
<tbody>${debts.map((d) => html`<tr data-debt="${d.userId}"><td class="url">${d.email ?? d.userId}</td><td class="num" data-col="owed">${money(fmt, d.owed)}</td></tr>`)}</tbody>
<tfoot><tr><td>${t('account.month.total')}</td><td class="num">${money(fmt, total, 'debts-total')}</td></tr></tfoot>
</table></div>`);
}

function reconciliationContent(page: PageRequest, reconciliation: PaymentsData['reconciliation']): SafeHtml {
  const { t, fmt } = page;
  if (reconciliation === null) return html`<p class="muted">${t('admin.reconciliation.off')}</p>`;
  if (typeof reconciliation === 'string') return html`<p class="error" role="alert">${t('admin.reconciliation.failed', { reason: reconciliation })}</p>`;
  const r = reconciliation;
  const amount = (value: number | null) => (value === null ? '' : money(fmt, value));
  return html`<p class="${r.differences === 0 ? 'notice' : 'error'}" role="status" data-differences="${r.differences}">${r.differences === 0
    ? t('admin.reconciliation.clean', { rows: fmt.count(r.rows.length) })
    : t('admin.reconciliation.differences', { count: fmt.count(r.differences), rows: fmt.count(r.rows.length) })}</p>
<dl class="figures">
<div><dt>${t('admin.reconciliation.stripeNet')}</dt><dd>${money(fmt, r.totals.stripeNet, 'stripe-net')}</dd></div>
<div><dt>${t('admin.reconciliation.stripeFees')}</dt><dd>${money(fmt, r.totals.stripeFees, 'stripe-fees')}</dd></div>
<div><dt>${t('admin.reconciliation.journal')}</dt><dd>${money(fmt, r.totals.journal, 'journal-stripe')}</dd></div>
</dl>
${r.rows.length === 0 ? html`<p class="muted">${t('admin.reconciliation.empty')}</p>` : html`<div class="table-wrap"><table>
<caption>${t('admin.reconciliation.caption')}</caption>
<thead><tr><th scope="col">${t('col.status')}</th><th scope="col">${t('col.date')}</th><th scope="col">${t('col.type')}</th><th scope="col">${t('admin.reconciliation.stripeId')}</th><th scope="col" class="num">${t('admin.reconciliation.stripeAmount')}</th><th scope="col">${t('admin.reconciliation.entry')}</th><th scope="col" class="num">${t('admin.reconciliation.journalAmount')}</th></tr></thead>
<tbody>${r.rows.map((row) => html`<tr data-status="${row.status}"><td>${rowStatus(page, row)}</td><td>${fmt.dateTime(row.created)}</td><td><code>${row.type}</code></td><td><code>${row.stripeId ?? ''}</code></td><td class="num">${amount(row.stripeAmount)}</td><td><code>${row.entryId ?? ''}</code></td><td class="num">${amount(row.journalAmount)}</td></tr>`)}</tbody>
</table></div>`}`;
}

function rowStatus(page: PageRequest, row: ReconciliationRow): SafeHtml {
  const ok = row.status === 'matched' || row.status === 'not_journaled';
  return html`<span class="badge ${ok ? 'ok' : 'warn'}">${page.t(`admin.reconciliation.status.${row.status}`)}</span>`;
}
