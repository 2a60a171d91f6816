import { CSRF_FIELD, MAX_SITE_MONTHLY_CAP, type SiteTokenJson } from '../auth/index.js';
import { html, renderPage } from '../pages/index.js';
import { formatMinor, minorToDecimal } from './money-format.js';

export type SettingsNotice = 'revoked' | 'budget' | 'not-found' | 'bad-budget' | 'cap' | 'bad-cap';

const NOTICES: Record<SettingsNotice, { text: string; error?: true }> = {
  revoked: { text: 'One click is off for that site: its buttons open the Flattr window again.' },
  budget: { text: 'Your monthly budget is saved.' },
  'not-found': { text: 'That site had no one-click permission (any more).', error: true },
  'bad-budget': { text: 'The budget must be an amount such as 5 or 12.50.', error: true },
  cap: { text: 'Saved: that site may flattr that many things a month for you without asking.' },
  'bad-cap': { text: `The number of flattrs a month must be a whole number from 1 to ${MAX_SITE_MONTHLY_CAP}.`, error: true },
};

export function renderSettingsPage(view: {
  name: string;
  email: string;
  budget: number;
  currency: string;
  siteTokens: SiteTokenJson[];
  csrfToken: string;
  notice?: SettingsNotice;
}): string {
  const notice = view.notice ? NOTICES[view.notice] : undefined;
  const sites = view.siteTokens.length === 0
    ? html`<p class="muted">No site has one-click permission. Tick “One click on this site” in the Flattr window to allow one.</p>`
    : html`<p>A site with one click may flattr things on its own pages for you without asking, up to the number of
flattrs a month you allow it here. Past that, its buttons open the Flattr window again until the next month.
Each flattr takes an equal share of your monthly budget from everything you flattred.</p>
<ul class="sites">${view.siteTokens.map((site) => html`
  <li>
    <span class="origin">${site.origin}</span>
    <span class="muted">allowed ${day(site.createdAt)}${site.lastUsedAt ? `, last used ${day(site.lastUsedAt)}` : ', not used yet'}</span>
    <span class="use">This month: <strong class="used">${site.usedThisMonth}</strong> of <strong class="cap">${site.monthlyCap}</strong> flattrs</span>
    <form method="post" action="/settings/site-tokens/${site.id}/cap" class="cap-form">
      <input type="hidden" name="${CSRF_FIELD}" value="${view.csrfToken}">
      <label>Flattrs a month without asking <input type="number" name="monthlyCap" min="1" max="${MAX_SITE_MONTHLY_CAP}" step="1" inputmode="numeric" required value="${site.monthlyCap}"></label>
      <button type="submit" class="secondary" aria-label="Save the monthly limit for ${site.origin}">Save</button>
    </form>
    <form method="post" action="/settings/site-tokens/${site.id}/revoke" class="revoke-form">
      <input type="hidden" name="${CSRF_FIELD}" value="${view.csrfToken}">
      <button type="submit" class="secondary" aria-label="Revoke one click for ${site.origin}">Revoke</button>
    </form>
  </li>`)}
</ul>`;
  return renderPage({
    title: 'Settings',
    head: html`<link rel="stylesheet" href="/settings/settings.css">`,
    body: html`<h1>Settings</h1>
<p class="muted">Signed in as ${view.name || view.email} (${view.email}) · <a href="/account">Account</a></p>
${notice ? html`<p class="${notice.error ? 'error' : 'notice'}" role="status">${notice.text}</p>` : ''}
<section aria-labelledby="budget-heading">
<h2 id="budget-heading">Monthly budget</h2>
<p>Each month <strong class="budget">${formatMinor(view.budget, view.currency)}</strong> (or what your balance allows) is split evenly between everything you flattred.</p>
<form method="post" action="/settings/budget">
  <input type="hidden" name="${CSRF_FIELD}" value="${view.csrfToken}">
  <label>Budget per month (${view.currency}) <input type="text" name="budget" inputmode="decimal" required value="${minorToDecimal(view.budget, view.currency)}"></label>
  <div class="actions"><button type="submit">Save budget</button></div>
</form>
</section>
<section aria-labelledby="sites-heading">
<h2 id="sites-heading">Sites with one-click Flattr</h2>
${sites}
</section>`,
  });
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
