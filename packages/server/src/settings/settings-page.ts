import { CSRF_FIELD, type SiteTokenJson } from '../auth/index.js';
import { html, renderPage } from '../pages/index.js';
import { formatMinor, minorToDecimal } from './money-format.js';

export type SettingsNotice = 'revoked' | 'budget' | 'not-found' | 'bad-budget';

const NOTICES: Record<SettingsNotice, { text: string; error?: true }> = {
  revoked: { text: 'One click is off for that site: its buttons open the Flattr window again.' },
  budget: { text: 'Your monthly budget is saved.' },
  'not-found': { text: 'That site had no one-click permission (any more).', error: true },
  'bad-budget': { text: 'The budget must be an amount such as 5 or 12.50.', error: true },
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
    : html`<ul class="sites">${view.siteTokens.map((site) => html`
  <li>
    <span class="origin">${site.origin}</span>
    <span class="muted">allowed ${day(site.createdAt)}${site.lastUsedAt ? `, last used ${day(site.lastUsedAt)}` : ', not used yet'}</span>
    <form method="post" action="/settings/site-tokens/${site.id}/revoke" class="inline">
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
