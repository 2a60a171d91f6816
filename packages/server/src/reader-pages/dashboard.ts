import { isEmailVerified, listSiteTokens, type SiteTokenJson } from '../auth/index.js';
import { userNames } from '../accounts/index.js';
import { collections, type ThingDoc } from '../db/index.js';
import { previewReaderMonth, type ReaderMonthPreview } from '../distribution/index.js';
import { walletHistory, type WalletHistory, type WalletMovement } from '../history/index.js';
import { statusOf, listSubscriptions, type SubscriptionDoc } from '../subscriptions/index.js';
import { toObjectId } from '../things/index.js';
import type { PaymentProvider } from '../deposits/index.js';
import {
  buttonForm, card, creatorLink, figure, html, isMessageKey, money, notice, thingLink, type PageRequest, type SafeHtml,
} from '../pages/index.js';
import { demoEndMonthForm } from '../demo-month/index.js';
import { newTopUpReference, topUpBounds, topUpFormOrigins, topUpProviders, type CheckoutReturn } from './top-up.js';

export const DASHBOARD_NOTICES = ['topup', 'withdrawn', 'paused', 'resumed', 'cancelled', 'month-ended', 'verification-sent'] as const;
export type DashboardNotice = (typeof DASHBOARD_NOTICES)[number];

interface DashboardData {
  preview: ReaderMonthPreview;
  history: WalletHistory;
  subscriptions: SubscriptionDoc[];
  siteTokens: SiteTokenJson[];
  providers: PaymentProvider[];
  /** Things named in the history and subscriptions. */
  things: Map<string, ThingDoc>;
  names: Map<string, string>;
}

/** Everything /account shows, from the domain functions the API uses too. */
export async function loadDashboard(page: PageRequest): Promise<DashboardData> {
  const { ctx } = page;
  const userId = page.session!.userId;
  const [preview, history, subscriptions, tokens] = await Promise.all([
    previewReaderMonth(ctx, userId),
    walletHistory(ctx, userId),
    listSubscriptions(ctx, userId),
    listSiteTokens(ctx, userId),
  ]);
  const thingIds = new Set<string>([
    ...history.months.flatMap((m) => m.shares.map((s) => s.thingId)),
    ...subscriptions.map((s) => s.thingId.toHexString()),
  ]);
  const things = new Map((await collections.things(ctx.db)
    .find({ _id: { $in: [...thingIds].map(toObjectId).filter((id) => id !== null) } })
    .toArray()).map((t) => [t._id.toHexString(), t]));
  const names = await userNames(ctx, [
    ...preview.items.map((i) => i.thing.ownerId),
    ...history.months.flatMap((m) => m.shares.map((s) => s.ownerId)),
  ]);
  return { preview, history, subscriptions, siteTokens: tokens, providers: topUpProviders(ctx), things, names };
}

/**
 * @param done the notice after a form (`?done=`)
 * @param checkout a hosted checkout the reader came back from (`?checkout=`): its state above the top-up form
 */
export function renderDashboard(page: PageRequest, data: DashboardData, done: DashboardNotice | undefined, checkout?: CheckoutReturn): void {
  const { t, session } = page;
  page.send({
    title: t('account.title'),
    current: 'account',
    // A payment Stripe has taken but whose webhook has not credited it yet: look again shortly.
    head: checkout?.state === 'pending' ? html`<meta http-equiv="refresh" content="3">` : undefined,
    // The top-up form's answer redirects to a hosted checkout's page: the CSP must let the browser follow.
    security: { formAction: topUpFormOrigins(data.providers) },
    body: html`<h1>${t('account.title')}</h1>
<p class="muted">${t.html('account.signedInAs', { name: html`<strong>${session!.user.name}</strong>`, email: session!.user.email })}${isEmailVerified(session!.user) ? html` ${t('account.email.confirmed')}` : ''}</p>
${notice(done ? t(`account.done.${done}`) : undefined)}
${checkout ? checkoutNotice(page, checkout) : ''}
${emailCard(page)}
<div class="grid">
${balanceCard(page, data.preview)}
${topUpCard(page, data.providers)}
</div>
${monthCard(page, data)}
${page.ctx.config.demoMode ? demoEndMonthForm(page, '/account') : ''}
${subscriptionsCard(page, data)}
${pastMonthsCard(page, data)}
${movementsCard(page, data.history.movements)}
${siteTokensCard(page, data.siteTokens)}`,
  });
}

function balanceCard(page: PageRequest, preview: ReaderMonthPreview): SafeHtml {
  const { t, fmt } = page;
  const covers = preview.monthsCovered === null
    ? t('account.balance.noBudget')
    : t('account.balance.covers', { months: fmt.count(preview.monthsCovered) });
  return card('balance', t('account.balance.heading'), html`<dl class="figures">
${figure(t('account.balance.available'), money(fmt, preview.available, 'available'))}
${figure(t('account.balance.budget'), money(fmt, preview.budget, 'budget'))}
</dl>
<p>${covers}</p>
<p><a href="/settings">${t('account.balance.changeBudget')}</a></p>`);
}

function topUpCard(page: PageRequest, providers: PaymentProvider[]): SafeHtml {
  const { t, fmt, ctx } = page;
  if (providers.length === 0) return card('top-up', t('topup.heading'), html`<p class="muted">${t('topup.none')}</p>`);
  const bounds = providers.map((p) => ({ provider: p, ...topUpBounds(ctx, p) }));
  const max = Math.min(...bounds.map((b) => b.max));
  const start = Math.max(Math.min(1000, max), ...bounds.map((b) => Math.min(b.min, max)));
  return card('top-up', t('topup.heading'), html`<form method="post" action="/account/top-up">
${page.csrfField()}
<input type="hidden" name="reference" value="${newTopUpReference()}">
<label>${t('topup.amount', { currency: fmt.currency })} <input type="text" name="amount" inputmode="decimal" required value="${fmt.moneyInput(start)}" aria-describedby="top-up-hint"></label>
<p class="muted" id="top-up-hint">${t('topup.hint', { max: fmt.money(max) })}${bounds.filter((b) => b.min > 1).map((b) => html` ${t('topup.minimum', { provider: providerLabel(page, b.provider), min: fmt.money(b.min) })}`)}</p>
<div class="actions">${providers.map((p) => html`<button type="submit" name="provider" value="${p.name}">${providerLabel(page, p)}</button>`)}</div>
${providers.some((p) => p.startCheckout) ? html`<p class="muted">${t('topup.checkoutNote')}</p>` : ''}
${ctx.config.stripe?.mode === 'test' && providers.some((p) => p.name === 'stripe') ? html`<p class="muted">${t('topup.stripeTestMode')}</p>` : ''}
${providers.some((p) => p.demo) ? html`<p class="muted">${t('topup.demoNote')}</p>` : ''}
</form>`);
}

/** How a hosted checkout the reader came back from stands: pending (the page looks again), succeeded, failed, expired, cancelled. */
function checkoutNotice(page: PageRequest, checkout: CheckoutReturn): SafeHtml | '' {
  const { t, fmt } = page;
  switch (checkout.state) {
    case 'pending': return notice(t('topup.return.pending', { amount: fmt.money(checkout.amount) }));
    case 'succeeded': return notice(t('topup.return.succeeded', { amount: fmt.money(checkout.amount) }));
    case 'failed': return notice(t('topup.return.failed', { amount: fmt.money(checkout.amount) }), 'error');
    case 'expired': return notice(t('topup.return.expired', { amount: fmt.money(checkout.amount) }), 'error');
    case 'cancelled': return notice(t('topup.return.cancelled'));
    case 'unknown': return notice(t('topup.return.unknown'), 'error');
  }
}

/**
 * An address not confirmed yet, where this service sends mail: the reader
 * can flattr but not take money out (EMAIL_VERIFICATION); a button sends the
 * link again.
 */
function emailCard(page: PageRequest): SafeHtml | '' {
  const { t, ctx, session } = page;
  if (isEmailVerified(session!.user) || ctx.config.mail.transport === 'none') return '';
  return card('email', t('account.email.heading'), html`<p>${t(ctx.config.emailVerificationRequired ? 'account.email.unconfirmedRequired' : 'account.email.unconfirmed', { email: session!.user.email })}</p>
<form method="post" action="/account/verify/resend">${page.csrfField()}<div class="actions"><button type="submit" class="secondary">${t('account.email.resend')}</button></div></form>`);
}

/** `topup.provider.<name>` when the pages have a label for the provider, else a generic one naming it. */
function providerLabel(page: PageRequest, provider: PaymentProvider): string {
  const key = `topup.provider.${provider.name}`;
  return isMessageKey(key) ? page.t(key) : page.t('topup.provider.other', { name: provider.name });
}

function monthCard(page: PageRequest, data: DashboardData): SafeHtml {
  const { t, fmt } = page;
  const { preview, names } = data;
  const heading = t('account.month.heading', { month: fmt.period(preview.period) });
  if (preview.items.length === 0) {
    return card('this-month', heading, html`<p>${t('account.month.none')}</p>`);
  }
  const rows = preview.items.map((item) => {
    const ownerId = item.thing.ownerId?.toHexString() ?? null;
    const owner = ownerId ? creatorLink(ownerId, names.get(ownerId)) : html`<span class="muted">${t('account.month.unverified')}</span>`;
    const share = item.share;
    const shareCell = share === null
      ? html`<span class="muted">${t('account.month.own')}</span>`
      : money(fmt, share.amount);
    const toCreator = share === null ? '' : share.ownerId === null
      ? html`<span class="muted">${t('account.month.escrow')}</span>`
      : money(fmt, share.amount - share.fee);
    const action = item.flattr && !preview.distributed
      ? buttonForm(`/account/flattrs/${item.flattr._id.toHexString()}/withdraw`, page.csrfField(), t('account.month.withdraw'),
        { ariaLabel: t('account.month.withdrawLabel', { title: item.thing.title || item.thing.url }) })
      : item.subscriptionId ? html`<span class="muted">${t('account.month.bySubscription')}</span>` : '';
    return html`<tr data-thing="${item.thing._id.toHexString()}">
<td>${thingLink(item.thing)}</td><td>${owner}</td><td class="num" data-col="share">${shareCell}</td><td class="num" data-col="to-creator">${toCreator}</td><td>${action}</td>
</tr>`;
  });
  return card('this-month', heading, html`<p>${t('account.month.explain', { budget: fmt.money(preview.budget) })}</p>
${preview.distributed ? html`<p class="notice">${t('account.month.distributed')}</p>` : ''}
<div class="table-wrap"><table>
<caption>${t('account.month.caption')}</caption>
<thead><tr><th scope="col">${t('col.thing')}</th><th scope="col">${t('col.owner')}</th><th scope="col" class="num">${t('col.shareNow')}</th><th scope="col" class="num">${t('col.toCreator')}</th><th scope="col"><span class="sr-only">${t('col.actions')}</span></th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><td colspan="2">${t('account.month.total')}</td><td class="num">${money(fmt, preview.contribution, 'contribution')}</td><td class="num">${money(fmt, preview.toCreators, 'to-creators')}</td><td></td></tr></tfoot>
</table></div>
<p class="muted">${t('account.month.split', { fee: fmt.money(preview.fees), escrow: fmt.money(preview.toEscrow) })}</p>`);
}

function subscriptionsCard(page: PageRequest, data: DashboardData): SafeHtml {
  const { t, fmt } = page;
  const now = page.ctx.clock.now();
  if (data.subscriptions.length === 0) {
    return card('subscriptions', t('account.subs.heading'), html`<p class="muted">${t('account.subs.none')}</p>`);
  }
  const rows = data.subscriptions.map((sub) => {
    const id = sub._id.toHexString();
    const thing = data.things.get(sub.thingId.toHexString());
    const status = statusOf(sub, now);
    const title = thing?.title || thing?.url || sub.thingId.toHexString();
    const actions = status === 'active'
      ? html`${buttonForm(`/account/subscriptions/${id}/pause`, page.csrfField(), t('account.subs.pause'), { ariaLabel: t('account.subs.pauseLabel', { title }) })}
${buttonForm(`/account/subscriptions/${id}/cancel`, page.csrfField(), t('account.subs.stop'), { ariaLabel: t('account.subs.stopLabel', { title }) })}`
      : status === 'paused'
        ? html`${buttonForm(`/account/subscriptions/${id}/resume`, page.csrfField(), t('account.subs.resume'), { ariaLabel: t('account.subs.resumeLabel', { title }) })}
${buttonForm(`/account/subscriptions/${id}/cancel`, page.csrfField(), t('account.subs.stop'), { ariaLabel: t('account.subs.stopLabel', { title }) })}`
        : '';
    return html`<tr><td>${thing ? thingLink(thing) : title}</td><td>${fmt.period(sub.startPeriod)} – ${fmt.period(sub.endPeriod)}</td><td>${t(`account.subs.status.${status}`)}</td><td><div class="actions">${actions}</div></td></tr>`;
  });
  return card('subscriptions', t('account.subs.heading'), html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.thing')}</th><th scope="col">${t('col.months')}</th><th scope="col">${t('col.status')}</th><th scope="col"><span class="sr-only">${t('col.actions')}</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`);
}

function pastMonthsCard(page: PageRequest, data: DashboardData): SafeHtml {
  const { t, fmt } = page;
  const { months } = data.history;
  if (months.length === 0) return card('past-months', t('account.past.heading'), html`<p class="muted">${t('account.past.none')}</p>`);
  return card('past-months', t('account.past.heading'), html`${months.map((month, index) => html`<details${index === 0 ? html` open` : ''} data-period="${month.period}">
<summary>${t('account.past.summary', { month: fmt.period(month.period), amount: fmt.money(month.contribution), count: month.shares.length })}</summary>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.thing')}</th><th scope="col">${t('col.owner')}</th><th scope="col" class="num">${t('col.share')}</th><th scope="col" class="num">${t('col.fee')}</th><th scope="col">${t('col.wentTo')}</th></tr></thead>
<tbody>${month.shares.map((share) => {
    const thing = data.things.get(share.thingId);
    const went = share.ownerId !== null
      ? t('account.past.toOwner', { amount: fmt.money(share.amount - share.fee) })
      : share.escrow ? t(`account.past.escrow.${share.escrow.state}`, { date: fmt.date(share.escrow.returnsOn) }) : t('account.past.escrow.held', { date: '' });
    return html`<tr><td>${thing ? thingLink(thing) : share.thingId}</td><td>${share.ownerId ? creatorLink(share.ownerId, data.names.get(share.ownerId)) : html`<span class="muted">${t('account.month.unverified')}</span>`}</td>
<td class="num">${money(fmt, share.amount)}</td><td class="num">${money(fmt, share.fee)}</td><td>${went}</td></tr>`;
  })}</tbody>
<tfoot><tr><td colspan="2">${t('account.month.total')}</td><td class="num">${money(fmt, month.contribution, `contribution-${month.period}`)}</td><td class="num">${money(fmt, month.fees)}</td><td></td></tr></tfoot>
</table></div>
</details>`)}`);
}

function movementsCard(page: PageRequest, movements: WalletMovement[]): SafeHtml {
  const { t, fmt } = page;
  if (movements.length === 0) return card('wallet', t('account.wallet.heading'), html`<p class="muted">${t('account.wallet.none')}</p>`);
  const what = (m: WalletMovement): string => {
    switch (m.kind) {
      case 'deposit': return m.demo ? t('account.wallet.demoDeposit') : t('account.wallet.deposit', { provider: m.provider ?? '' });
      case 'contribution': return t('account.wallet.contribution', { month: fmt.period(m.period!) });
      case 'earning': return t('account.wallet.earning', { month: fmt.period(m.period!) });
      case 'escrow.return': return t('account.wallet.return', { month: m.period ? fmt.period(m.period) : '' });
      case 'escrow.release': return t('account.wallet.release', { month: m.period ? fmt.period(m.period) : '' });
      case 'payout': return t('account.wallet.payout');
      default: return t('account.wallet.other');
    }
  };
  return card('wallet', t('account.wallet.heading'), html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.date')}</th><th scope="col">${t('col.what')}</th><th scope="col" class="num">${t('col.amount')}</th></tr></thead>
<tbody>${movements.slice(0, 50).map((m) => html`<tr data-entry="${m.entryId}"><td>${fmt.date(m.createdAt)}</td><td>${what(m)}</td><td class="num">${money(fmt, m.amount)}</td></tr>`)}</tbody>
</table></div>
${movements.length > 50 ? html`<p class="muted">${t('account.wallet.more', { count: movements.length - 50 })}</p>` : ''}`);
}

function siteTokensCard(page: PageRequest, tokens: SiteTokenJson[]): SafeHtml {
  const { t, fmt } = page;
  const content = tokens.length === 0
    ? html`<p class="muted">${t('account.sites.none')}</p>`
    : html`<ul>${tokens.map((site) => html`<li><span class="url">${site.origin}</span> <span class="muted">${t('account.sites.since', { date: fmt.date(site.createdAt) })} · ${t('account.sites.used', { used: fmt.count(site.usedThisMonth), cap: fmt.count(site.monthlyCap) })}</span>
${buttonForm(`/settings/site-tokens/${site.id}/revoke`, page.csrfField(), t('account.sites.revoke'), { ariaLabel: t('account.sites.revokeLabel', { origin: site.origin }) })}</li>`)}</ul>`;
  return card('one-click', t('account.sites.heading'), html`${content}<p><a href="/settings">${t('account.sites.settings')}</a></p>`);
}
