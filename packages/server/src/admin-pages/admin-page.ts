import { listUsers } from '../accounts/index.js';
import { collections, type UserDoc } from '../db/index.js';
import { listPeriods, type PeriodOverview } from '../distribution/index.js';
import type { LedgerReport } from '../ledger/index.js';
import { listPayouts, type PayoutDoc } from '../payouts/index.js';
import { periodStats, type PeriodStats } from '../stats/index.js';
import { demoEndMonthForm } from '../demo-month/index.js';
import { buttonForm, card, html, money, notice, type PageRequest, type SafeHtml } from '../pages/index.js';

export const ADMIN_NOTICES = ['deposit', 'paid', 'roles', 'approved', 'transfer-failed', 'transfer-error'] as const;
export type AdminNotice = (typeof ADMIN_NOTICES)[number];

interface AdminData {
  periods: PeriodOverview[];
  due: PayoutDoc[];
  users: UserDoc[];
  /** Emails of the users named by payouts. */
  emails: Map<string, string>;
  stats: PeriodStats[];
}

export async function loadAdmin(page: PageRequest, search: string | undefined): Promise<AdminData> {
  const { ctx } = page;
  // Due: requested (by hand, or waiting for approval as a Stripe transfer), and Stripe transfers that did not finish (approve again).
  const [periods, due, users] = await Promise.all([listPeriods(ctx), listPayouts(ctx, ['requested', 'transferring']), listUsers(ctx, { search, limit: 50 })]);
  const stats = await Promise.all(periods.filter((p) => p.run?.status === 'done').slice(0, 12).map((p) => periodStats(ctx, p.period)));
  const payees = due.length === 0 ? [] : await collections.users(ctx.db)
    .find({ _id: { $in: [...new Set(due.map((p) => p.userId))] } }, { projection: { email: 1 } }).toArray();
  return { periods, due, users, emails: new Map(payees.map((u) => [u._id.toHexString(), u.email])), stats };
}

export function renderAdmin(
  page: PageRequest,
  data: AdminData,
  view: { done?: AdminNotice; ledger?: LedgerReport; search?: string },
): void {
  const { t } = page;
  page.send({
    title: t('admin.title'),
    current: 'admin',
    body: html`<h1>${t('admin.title')}</h1>
${notice(view.done ? t(`admin.done.${view.done}`) : undefined)}
${view.ledger ? ledgerReport(page, view.ledger) : ''}
${periodsCard(page, data.periods)}
${page.ctx.config.demoMode ? demoEndMonthForm(page, '/admin') : ''}
<div class="grid">
${ledgerCard(page)}
${depositCard(page)}
</div>
${payoutsCard(page, data)}
${usersCard(page, data.users, view.search)}
${statsCard(page, data.stats)}`,
  });
}

function periodsCard(page: PageRequest, periods: PeriodOverview[]): SafeHtml {
  const { t, fmt } = page;
  const rows = periods.map(({ period, ended, run }) => {
    const status = run ? t(`admin.run.status.${run.status}`) : ended ? t('admin.periods.ready') : t('admin.periods.open');
    const action = run
      ? html`<a href="/admin/distributions/${period}">${t('admin.periods.view')}</a>${run.status === 'failed' ? html` ${startForm(page, period, t('admin.periods.resume'))}` : ''}`
      : ended ? startForm(page, period, t('admin.periods.start')) : '';
    const totals = run?.status === 'done' ? run.totals : null;
    return html`<tr data-period="${period}"><td>${fmt.period(period)}</td><td data-col="status">${status}</td>
<td class="num">${totals ? money(fmt, totals.contributed) : ''}</td><td class="num">${totals ? money(fmt, totals.fees) : ''}</td>
<td class="num">${totals ? money(fmt, totals.toCreators) : ''}</td><td class="num">${totals ? money(fmt, totals.toEscrow) : ''}</td><td>${action}</td></tr>`;
  });
  return card('periods', t('admin.periods.heading'), html`<p class="muted">${t('admin.periods.explain')}</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.month')}</th><th scope="col">${t('col.status')}</th><th scope="col" class="num">${t('col.contributed')}</th><th scope="col" class="num">${t('col.fee')}</th><th scope="col" class="num">${t('col.toCreators')}</th><th scope="col" class="num">${t('col.toEscrow')}</th><th scope="col"><span class="sr-only">${t('col.actions')}</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`);
}

function startForm(page: PageRequest, period: string, label: string): SafeHtml {
  return buttonForm('/admin/distributions', page.csrfField(), label, {
    secondary: false, fields: { period }, ariaLabel: page.t('admin.periods.startLabel', { month: page.fmt.period(period) }),
  });
}

function ledgerCard(page: PageRequest): SafeHtml {
  const { t } = page;
  return card('ledger', t('admin.ledger.heading'), html`<p>${t('admin.ledger.explain')}</p>
<form method="post" action="/admin/ledger/verify">${page.csrfField()}<div class="actions"><button type="submit">${t('admin.ledger.verify')}</button></div></form>`);
}

/** The result of a ledger check (the page answers the check's form with it). */
export function ledgerReport(page: PageRequest, report: LedgerReport): SafeHtml {
  const { t, fmt } = page;
  return html`<section class="card" id="ledger-report" aria-labelledby="ledger-report-heading" data-ok="${String(report.ok)}">
<h2 id="ledger-report-heading">${t('admin.ledger.result')}</h2>
<p class="${report.ok ? 'notice' : 'error'}" role="${report.ok ? 'status' : 'alert'}">${report.ok
    ? t('admin.ledger.ok', { entries: fmt.count(report.entries), accounts: fmt.count(report.accounts) })
    : t('admin.ledger.bad', { count: fmt.count(report.violationCount) })}</p>
${report.violations.length ? html`<ul>${report.violations.slice(0, 20).map((v) => html`<li><code>${v.kind}</code> ${JSON.stringify(v)}</li>`)}</ul>` : ''}
<p class="muted">${t('admin.ledger.checkedAt', { date: fmt.dateTime(report.checkedAt), pending: fmt.count(report.pendingEntries) })}</p>
</section>`;
}

function depositCard(page: PageRequest): SafeHtml {
  const { t, fmt } = page;
  return card('deposit', t('admin.deposit.heading'), html`<form method="post" action="/admin/deposits">
${page.csrfField()}
<label>${t('admin.deposit.user')} <input type="text" name="user" required autocomplete="off"></label>
<label>${t('admin.deposit.amount', { currency: fmt.currency })} <input type="text" name="amount" inputmode="decimal" required></label>
<label>${t('admin.deposit.reference')} <input type="text" name="reference" required maxlength="200" pattern="[A-Za-z0-9][A-Za-z0-9._:@\\-]{0,199}" aria-describedby="deposit-reference-hint"></label>
<p class="muted" id="deposit-reference-hint">${t('admin.deposit.referenceHint')}</p>
<div class="actions"><button type="submit">${t('admin.deposit.submit')}</button></div>
</form>`);
}

function payoutsCard(page: PageRequest, data: AdminData): SafeHtml {
  const { t, fmt, ctx } = page;
  const total = data.due.reduce((sum, p) => sum + p.amount, 0);
  const content = data.due.length === 0
    ? html`<p class="muted">${t('admin.payouts.none')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.requested')}</th><th scope="col">${t('col.user')}</th><th scope="col" class="num">${t('col.amount')}</th><th scope="col">${t('col.method')}</th><th scope="col">${t('admin.payouts.settle')}</th></tr></thead>
<tbody>${data.due.map((p) => {
    const id = p._id.toHexString();
    const who = data.emails.get(p.userId.toHexString()) ?? p.userId.toHexString();
    const approve = p.status === 'transferring' ? t('admin.payouts.approveAgain') : t('admin.payouts.approve');
    const settle = p.method === 'stripe'
      ? buttonForm(`/admin/payouts/${id}/approve`, page.csrfField(), approve, {
        // The accessible name starts with the visible text (WCAG 2.5.3) and says whose payout it is.
        secondary: false, ariaLabel: t('admin.payouts.approveLabel', { action: approve, amount: fmt.money(p.amount), user: who }),
      })
      : html`<form method="post" action="/admin/payouts/${id}/paid" class="inline">${page.csrfField()}<label><span class="sr-only">${t('admin.payouts.referenceFor', { user: who })}</span><input type="text" name="reference" required maxlength="200" placeholder="${t('admin.payouts.reference')}"></label><button type="submit" class="small">${t('admin.payouts.paid')}</button></form>`;
    return html`<tr data-payout="${id}"><td>${fmt.date(p.requestedAt)}</td><td>${who}</td><td class="num">${money(fmt, p.amount)}</td>
<td>${t(p.method === 'stripe' ? 'creator.payouts.method.stripe' : 'creator.payouts.method.manual')}${p.status === 'transferring' ? html` <span class="badge warn">${t('creator.payouts.transferring')}</span>` : ''}</td><td>${settle}</td></tr>`;
  })}</tbody>
<tfoot><tr><td colspan="2">${t('account.month.total')}</td><td class="num">${money(fmt, total, 'payouts-due')}</td><td colspan="2"></td></tr></tfoot>
</table></div>`;
  return card('payouts', t('admin.payouts.heading'), html`${content}
<p class="muted">${t('admin.payouts.explain')}</p>
<p><a href="/admin/payouts.csv" download>${t('admin.payouts.csv')}</a> · <a href="/admin/payouts.csv?status=all" download>${t('admin.payouts.csvAll')}</a>${ctx.config.sepa ? html` · <a href="/admin/payouts.xml" download>${t('admin.payouts.sepa')}</a>` : ''}</p>
<p><a href="/admin/payments">${t('admin.payments.link')}</a></p>`);
}

function usersCard(page: PageRequest, users: UserDoc[], search: string | undefined): SafeHtml {
  const { t } = page;
  const me = page.session!.userId;
  const rows = users.map((user) => {
    const id = user._id.toHexString();
    const box = (role: 'creator' | 'admin') => html`<label class="check"><input type="checkbox" name="roles" value="${role}"${user.roles.includes(role) ? html` checked` : ''}${role === 'admin' && id === me ? html` disabled` : ''}> ${t(`role.${role}`)}</label>`;
    return html`<tr data-user="${id}"><td class="url">${user.email}</td><td>${user.name}</td><td>${user.roles.map((r) => t(`role.${r}`)).join(', ')}</td>
<td><form method="post" action="/admin/users/${id}/roles" class="inline" aria-label="${t('admin.users.rolesOf', { email: user.email })}">${page.csrfField()}${box('creator')}${box('admin')}${id === me ? html`<input type="hidden" name="roles" value="admin">` : ''}<button type="submit" class="secondary small">${t('admin.users.save')}</button></form></td></tr>`;
  });
  return card('users', t('admin.users.heading'), html`<form method="get" action="/admin#users" class="row" role="search">
<label>${t('admin.users.search')} <input type="search" name="q" value="${search ?? ''}"></label><button type="submit" class="secondary">${t('admin.users.find')}</button>
</form>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.email')}</th><th scope="col">${t('col.name')}</th><th scope="col">${t('col.roles')}</th><th scope="col">${t('col.change')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${users.length === 50 ? html`<p class="muted">${t('admin.users.more')}</p>` : ''}`);
}

function statsCard(page: PageRequest, stats: PeriodStats[]): SafeHtml {
  const { t, fmt } = page;
  const content = stats.length === 0
    ? html`<p class="muted">${t('admin.stats.none')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.month')}</th><th scope="col" class="num">${t('col.payingReaders')}</th><th scope="col" class="num">${t('col.things')}</th><th scope="col" class="num">${t('col.contributed')}</th><th scope="col" class="num">${t('col.toCreators')}</th><th scope="col" class="num">${t('col.fee')}</th><th scope="col" class="num">${t('col.escrowHeld')}</th><th scope="col" class="num">${t('col.returned')}</th></tr></thead>
<tbody>${stats.map((s) => html`<tr data-stats="${s.period}"><td><a href="/v1/stats/${s.period}">${fmt.period(s.period)}</a></td><td class="num">${fmt.count(s.payingReaders)}</td><td class="num">${fmt.count(s.things)}</td>
<td class="num">${money(fmt, s.distributed)}</td><td class="num">${money(fmt, s.toCreators)}</td><td class="num">${money(fmt, s.fees + s.releasedFees)}</td><td class="num">${money(fmt, s.escrowHeld)}</td><td class="num">${money(fmt, s.returned)}</td></tr>`)}</tbody>
</table></div>`;
  return card('stats', t('admin.stats.heading'), html`<p class="muted">${t('admin.stats.explain')}</p>${content}`);
}
