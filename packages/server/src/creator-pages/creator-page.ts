import { ObjectId } from 'mongodb';
import { BUTTON_SNIPPET_FORMATS, BUTTON_THEME_NAMES, buttonSnippets, type ButtonOptions, type ButtonTheme } from '../button-code/index.js';
import { earningsOf, type Earnings } from '../earnings/index.js';
import { periodOf } from '../money/index.js';
import { isEmailVerified } from '../auth/index.js';
import { availableForPayout, destinationOf, listPayoutsOf, type PayoutDestinationDoc, type PayoutDoc } from '../payouts/index.js';
import { escrowHeldForHost, instructionsFor, listSites, type HeldEscrow, type SiteDoc } from '../sites/index.js';
import { listOwnedThings, type OwnedThing } from '../things/index.js';
import {
  barChart, card, figure, html, isMessageKey, money, notice, PAGE_LANGUAGES, LANGUAGE_NAMES, PAGE_SCRIPTS_PATH, thingLink,
  type PageRequest, type SafeHtml,
} from '../pages/index.js';
import { BUTTON_THEMES_CSS_PATH } from './paths.js';

export const CREATOR_NOTICES = ['site-added', 'verified', 'payout', 'bank-saved', 'manual', 'stripe-return'] as const;
export type CreatorNotice = (typeof CREATOR_NOTICES)[number];

/** A failed "check now", shown beside its site (the page answers 422). */
export interface VerifyFailure {
  siteId: string;
  code: string;
  detail: string;
}

interface CreatorData {
  sites: Array<{ site: SiteDoc; escrow: HeldEscrow[] }>;
  things: OwnedThing[];
  earnings: Earnings;
  available: number;
  payouts: PayoutDoc[];
  destination: PayoutDestinationDoc;
  period: string;
}

export async function loadCreator(page: PageRequest): Promise<CreatorData> {
  const { ctx } = page;
  const userId = page.session!.userId;
  const period = periodOf(ctx.clock.now());
  const [sites, things, earnings, available, payouts, destination] = await Promise.all([
    listSites(ctx, userId),
    listOwnedThings(ctx.db, ObjectId.createFromHexString(userId), period),
    earningsOf(ctx, userId),
    availableForPayout(ctx, userId),
    listPayoutsOf(ctx, userId),
    destinationOf(ctx, userId),
  ]);
  const withEscrow = await Promise.all(sites.map(async (site) => ({ site, escrow: site.verifiedAt ? [] : await escrowHeldForHost(ctx, site.host) })));
  return { sites: withEscrow, things, earnings, available, payouts, destination, period };
}

export function renderCreator(
  page: PageRequest,
  data: CreatorData,
  view: { done?: CreatorNotice; failure?: VerifyFailure; button: ButtonOptions; status?: number },
): void {
  const { t } = page;
  page.send({
    title: t('creator.title'),
    current: 'creator',
    status: view.status,
    scripts: [`${PAGE_SCRIPTS_PATH}/button-code.js`],
    head: html`<link rel="stylesheet" href="${BUTTON_THEMES_CSS_PATH}">
<script async src="/widget/flattr.js" data-api="${page.ctx.config.publicUrl}"></script>`,
    // The preview button fetches its count, the generator its snippets: both from this origin.
    // "Connect a Stripe account" answers with a redirect to Stripe's onboarding: the CSP must let the form follow it.
    security: { connectSrc: ["'self'"], formAction: page.ctx.config.stripe ? [...STRIPE_CONNECT_ORIGINS] : [] },
    body: html`<h1>${t('creator.title')}</h1>
<p class="muted">${t('creator.intro')}</p>
${notice(view.done ? t(`creator.done.${view.done}`) : undefined)}
${sitesCard(page, data, view.failure)}
${thingsCard(page, data)}
${earningsCard(page, data.earnings)}
${payoutsCard(page, data)}
${buttonCodeCard(page, view.button)}`,
  });
}

function sitesCard(page: PageRequest, data: CreatorData, failure: VerifyFailure | undefined): SafeHtml {
  const { t } = page;
  const sites = data.sites.map(({ site, escrow }) => {
    const id = site._id.toHexString();
    const steps = instructionsFor(page.ctx, site);
    const failed = failure?.siteId === id ? failure : undefined;
    const status = site.verifiedAt
      ? html`<span class="badge ok">${t('creator.sites.verified', { date: page.fmt.date(site.verifiedAt) })}</span>`
      : html`<span class="badge warn">${t('creator.sites.unverified')}</span>`;
    return html`<article class="site" data-site="${id}" aria-labelledby="site-${id}">
<h3 id="site-${id}"><span class="url">${site.origin}</span> ${status}</h3>
${failed ? html`<div class="error" role="alert" data-code="${failed.code}"><p><strong>${t('creator.sites.failed')}</strong> ${reasonOf(page, failed.code)}</p><p class="muted">${failed.detail}</p></div>` : ''}
${site.verifiedAt ? html`<p class="muted">${t('creator.sites.owns', { host: site.host })}</p>` : html`<p>${t('creator.sites.prove')}</p>
<ol>
<li>${t.html('creator.sites.file', { url: html`<code class="url">${steps.wellKnown.url}</code>` })}<pre>${steps.wellKnown.content}</pre></li>
<li>${t.html('creator.sites.meta', { url: html`<code class="url">${steps.meta.url}</code>` })}<pre>${steps.meta.tag}</pre></li>
</ol>
<form method="post" action="/creator/sites/${id}/verify" class="row">${page.csrfField()}<button type="submit" aria-label="${t('creator.sites.checkLabel', { site: site.origin })}">${t('creator.sites.check')}</button></form>`}
${escrow.length ? escrowTable(page, escrow) : ''}
</article>`;
  });
  return card('sites', t('creator.sites.heading'), html`${data.sites.length === 0 ? html`<p>${t('creator.sites.none')}</p>` : sites}
<form method="post" action="/creator/sites" class="row">
${page.csrfField()}
<label>${t('creator.sites.add')} <input type="url" name="url" required placeholder="https://blog.example" autocomplete="url"></label>
<button type="submit">${t('creator.sites.addButton')}</button>
</form>`);
}

/** The reason of a failed verification in the reader's language; the domain's detail follows it. */
function reasonOf(page: PageRequest, code: string): string {
  const known = ['proof_not_found', 'proof_mismatch', 'address_not_allowed', 'fetch_failed', 'host_owned_by_other'] as const;
  const reason = known.find((k) => k === code);
  return reason ? page.t(`creator.sites.reason.${reason}`) : page.t('creator.sites.reason.other');
}

function escrowTable(page: PageRequest, rows: HeldEscrow[]): SafeHtml {
  const { t, fmt } = page;
  return html`<div class="table-wrap"><table>
<caption>${t('creator.escrow.caption')}</caption>
<thead><tr><th scope="col">${t('col.month')}</th><th scope="col" class="num">${t('col.amount')}</th><th scope="col" class="num">${t('col.readers')}</th><th scope="col">${t('col.returnsOn')}</th></tr></thead>
<tbody>${rows.map((row) => html`<tr data-escrow="${row.period}"><td>${fmt.period(row.period)}</td><td class="num" data-col="amount">${money(fmt, row.amount)}</td><td class="num">${fmt.count(row.shares)}</td><td>${fmt.date(row.returnsOn)}</td></tr>`)}</tbody>
</table></div>
<p class="muted">${t('creator.escrow.explain')}</p>`;
}

function thingsCard(page: PageRequest, data: CreatorData): SafeHtml {
  const { t, fmt } = page;
  if (data.things.length === 0) return card('things', t('creator.things.heading'), html`<p class="muted">${t('creator.things.none')}</p>`);
  return card('things', t('creator.things.heading'), html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.thing')}</th><th scope="col" class="num">${t('col.thisMonth', { month: fmt.period(data.period) })}</th><th scope="col" class="num">${t('col.allTime')}</th></tr></thead>
<tbody>${data.things.map(({ thing, periodCount }) => html`<tr data-thing="${thing._id.toHexString()}"><td>${thingLink(thing)}</td><td class="num" data-col="month-count">${fmt.count(periodCount)}</td><td class="num">${fmt.count(thing.flattrCount)}</td></tr>`)}</tbody>
</table></div>`);
}

function earningsCard(page: PageRequest, earnings: Earnings): SafeHtml {
  const { t, fmt } = page;
  if (earnings.periods.length === 0) return card('earnings', t('creator.earnings.heading'), html`<p class="muted">${t('creator.earnings.none')}</p>`);
  const recent = earnings.periods.slice(0, 12).reverse();
  return card('earnings', t('creator.earnings.heading'), html`${barChart(recent.map((p) => ({ label: p.period, value: p.net, display: fmt.money(p.net) })), t('creator.earnings.chart'))}
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.month')}</th><th scope="col" class="num">${t('col.gross')}</th><th scope="col" class="num">${t('col.fee')}</th><th scope="col" class="num">${t('col.net')}</th></tr></thead>
<tbody>${earnings.periods.map((p) => html`<tr data-period="${p.period}"><td><details><summary>${fmt.period(p.period)}</summary>
<ul>${p.things.map((th) => html`<li>${thingLink({ _id: th.thingId, title: th.title, url: th.url })}: ${fmt.money(th.net)}${th.fromEscrow.gross > 0 ? html` <span class="muted">(${t('creator.earnings.fromEscrow', { amount: fmt.money(th.fromEscrow.net) })})</span>` : ''}</li>`)}</ul></details></td>
<td class="num" data-col="gross">${money(fmt, p.gross)}</td><td class="num" data-col="fee">${money(fmt, p.fee)}</td><td class="num" data-col="net">${money(fmt, p.net)}</td></tr>`)}</tbody>
<tfoot><tr><td>${t('account.month.total')}</td><td class="num">${money(fmt, earnings.totals.gross, 'earnings-gross')}</td><td class="num">${money(fmt, earnings.totals.fee, 'earnings-fee')}</td><td class="num">${money(fmt, earnings.totals.net, 'earnings-net')}</td></tr></tfoot>
</table></div>`);
}

/** Where Stripe hosts Connect onboarding (the connect form's answer redirects there). */
export const STRIPE_CONNECT_ORIGINS = ['https://connect.stripe.com'] as const;

function payoutsCard(page: PageRequest, data: CreatorData): SafeHtml {
  const { t, fmt, ctx } = page;
  const blocked = ctx.config.emailVerificationRequired && !isEmailVerified(page.session!.user);
  const history = data.payouts.length === 0
    ? html`<p class="muted">${t('creator.payouts.none')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.requested')}</th><th scope="col" class="num">${t('col.amount')}</th><th scope="col">${t('col.method')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('col.reference')}</th></tr></thead>
<tbody>${data.payouts.map((p) => html`<tr data-payout="${p._id.toHexString()}"><td>${fmt.date(p.requestedAt)}</td><td class="num">${money(fmt, p.amount)}</td><td>${t(p.method === 'stripe' ? 'creator.payouts.method.stripe' : 'creator.payouts.method.manual')}</td><td data-col="status">${payoutStatus(page, p)}</td><td>${p.reference ?? ''}</td></tr>`)}</tbody>
</table></div>`;
  return card('payouts', t('creator.payouts.heading'), html`<dl class="figures">${figure(t('creator.payouts.available'), money(fmt, data.available, 'payout-available'))}</dl>
${blocked ? html`<p class="notice">${t.html('creator.payouts.unverified', { account: html`<a href="/account#email">${t('nav.account')}</a>` })}</p>` : ''}
${data.available > 0 && !blocked ? html`<form method="post" action="/creator/payouts" class="row">
${page.csrfField()}
<label>${t('creator.payouts.amount', { currency: fmt.currency })} <input type="text" name="amount" inputmode="decimal" required value="${fmt.moneyInput(data.available)}"></label>
<button type="submit">${t('creator.payouts.request')}</button>
</form>` : ''}
<p class="muted">${t(data.destination.method === 'stripe' && data.destination.ready && ctx.config.stripe ? 'creator.payouts.explainStripe' : 'creator.payouts.explain')}</p>
${history}
${destinationSection(page, data.destination, blocked)}`);
}

function payoutStatus(page: PageRequest, payout: PayoutDoc): string {
  const { t, fmt } = page;
  switch (payout.status) {
    case 'paid': return t('creator.payouts.paid', { date: payout.paidAt ? fmt.date(payout.paidAt) : '' })
      + (payout.reversedAmount ? ` ${t('creator.payouts.reversed', { amount: fmt.money(payout.reversedAmount) })}` : '');
    case 'transferring': return t('creator.payouts.transferring');
    case 'failed': return t('creator.payouts.failed', { reason: payout.failure ?? '' });
    default: return t('creator.payouts.requested');
  }
}

/**
 * Where payouts go: by hand (the operator's bank transfer, to the bank
 * account given here, which the SEPA export uses) or to a Stripe Express
 * account (Connect onboarding on Stripe's pages).
 */
function destinationSection(page: PageRequest, destination: PayoutDestinationDoc, blocked: boolean): SafeHtml {
  const { t, ctx } = page;
  const stripeOn = ctx.config.stripe !== null;
  const status = destination.method === 'stripe' && destination.stripeAccountId
    ? html`<span data-destination="stripe">${t(destination.ready ? 'creator.destination.stripeReady' : 'creator.destination.stripePending', { account: destination.stripeAccountId })}</span>`
    : html`<span data-destination="manual">${t('creator.destination.manual')}</span>`;
  const stripeForms = !stripeOn
    ? html`<p class="muted">${t('creator.destination.noStripe')}</p>`
    : blocked ? '' : html`<div class="actions">
<form method="post" action="/creator/payouts/stripe" class="inline">${page.csrfField()}<button type="submit">${t(destination.stripeAccountId ? 'creator.destination.continueStripe' : 'creator.destination.connectStripe')}</button></form>
${destination.method === 'stripe' ? html`<form method="post" action="/creator/payouts/manual" class="inline">${page.csrfField()}<button type="submit" class="secondary">${t('creator.destination.useManual')}</button></form>` : ''}
</div>`;
  const bank = destination.bank;
  return html`<h3 id="payout-destination">${t('creator.destination.heading')}</h3>
<p role="status">${status}</p>
${stripeForms}
<h4>${t('creator.destination.bankHeading')}</h4>
<p>${bank ? html`<span data-bank="${bank.iban.slice(-4)}">${t('creator.destination.bankSaved', { holder: bank.holder, iban: `…${bank.iban.slice(-4)}` })}</span>` : html`<span class="muted">${t('creator.destination.bankNone')}</span>`}</p>
${blocked ? '' : html`<form method="post" action="/creator/payouts/bank">
${page.csrfField()}
<label>${t('creator.destination.holder')} <input type="text" name="holder" maxlength="70" required autocomplete="name" value="${bank?.holder ?? page.session!.user.name}"></label>
<label>${t('creator.destination.iban')} <input type="text" name="iban" maxlength="42" required autocomplete="off" spellcheck="false"></label>
<label>${t('creator.destination.bic')} <input type="text" name="bic" maxlength="14" autocomplete="off" spellcheck="false"></label>
<div class="actions"><button type="submit" class="secondary">${t('creator.destination.saveBank')}</button></div>
</form>`}`;
}

function buttonCodeCard(page: PageRequest, options: ButtonOptions): SafeHtml {
  const { t } = page;
  const urls = { publicUrl: page.ctx.config.publicUrl, scriptUrl: `${page.ctx.config.publicUrl}/widget/flattr.js` };
  const radio = (name: string, value: string, label: string, checked: boolean) =>
    html`<label class="check"><input type="radio" name="${name}" value="${value}"${checked ? html` checked` : ''}> ${label}</label>`;
  return card('button-code', t('creator.code.heading'), html`<form method="get" action="/creator#button-code" id="button-code-form" data-endpoint="/creator/button-code.json">
<label>${t('creator.code.url')} <input type="url" name="url" required value="${options.url}"></label>
<label>${t('creator.code.titleField')} <input type="text" name="title" maxlength="300" value="${options.title}"></label>
<fieldset><legend>${t('creator.code.size')}</legend>${radio('size', 'compact', t('creator.code.compact'), options.size === 'compact')}${radio('size', 'large', t('creator.code.large'), options.size === 'large')}</fieldset>
<label class="check"><input type="checkbox" name="count" value="1"${options.showCount ? html` checked` : ''}> ${t('creator.code.count')}</label>
<label>${t('creator.code.lang')} <select name="buttonLang"><option value="">${t('creator.code.langAuto')}</option>${PAGE_LANGUAGES.map((lang) => html`<option value="${lang}"${options.lang === lang ? html` selected` : ''}>${LANGUAGE_NAMES[lang]}</option>`)}</select></label>
<fieldset><legend>${t('creator.code.theme')}</legend>${BUTTON_THEME_NAMES.map((name: ButtonTheme) => radio('theme', name, t(`creator.code.theme.${name}`), options.theme === name))}</fieldset>
<div class="actions"><button type="submit" class="secondary">${t('creator.code.update')}</button></div>
</form>
<h3>${t('creator.code.preview')}</h3>
<div class="preview" data-theme="${options.theme}" id="button-preview">${previewButton(options)}</div>
<h3>${t('creator.code.snippets')}</h3>
${buttonSnippets(options, urls, BUTTON_SNIPPET_FORMATS).map((snippet) => html`<div class="snippet" data-format="${snippet.id}">
<label for="snippet-${snippet.id}">${formatLabel(page, snippet.id)}</label>
<textarea id="snippet-${snippet.id}" readonly rows="${snippetRows(snippet.code)}">${snippet.code}</textarea>
<div class="actions"><button type="button" class="secondary small copy" data-copy="snippet-${snippet.id}" data-copied="${t('creator.code.copied')}" hidden>${t('creator.code.copy')}</button><span class="muted copied" role="status"></span></div>
</div>`)}`);
}

/** Enough rows to show a snippet without scrolling on a wide screen (lines wrap at about 90 characters). */
function snippetRows(code: string): number {
  return Math.min(10, code.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / 90)), 0));
}

/** `creator.code.format.<id>`, or the format's id for a format the pages have no label for yet. */
function formatLabel(page: PageRequest, id: string): string {
  const key = `creator.code.format.${id}`;
  return isMessageKey(key) ? page.t(key) : id;
}

/** The live `<flattr-button>` of the preview, with the options as attributes (the theme comes from the preview's class). */
export function previewButton(options: ButtonOptions): SafeHtml {
  return html`<flattr-button url="${options.url}" title="${options.title}" size="${options.size}"${options.showCount ? html` show-count` : ''}${options.lang ? html` lang="${options.lang}"` : ''}></flattr-button>`;
}
