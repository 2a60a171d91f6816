import { html, raw, renderPage, type SafeHtml } from '../../pages/index.js';
import { CSRF_FIELD } from '../../auth/index.js';
import type { ConfirmInput } from './confirm-input.js';

/** The message the result page posts to the opener (docs/widget.md, "The confirm window"). */
export type FlattrResultMessage =
  | { type: 'flattr:result'; ok: true; url: string; thingId: string; count: number; period: string; flattrId: string; siteToken?: string }
  | { type: 'flattr:result'; ok: false; code: string; detail: string };

export const CONFIRM_SCRIPT_PATH = '/widget/static/confirm-result.js';
const CONFIRM_CSS = html`<link rel="stylesheet" href="/widget/static/confirm.css">`;

export function renderConfirmPage(options: {
  input: ConfirmInput;
  csrfToken: string;
  readerName: string;
  alreadyFlattred: boolean;
  /** Offered for a page on the asking site only, with the number of flattrs a month the site would get. */
  oneClick: { monthlyCap: number } | undefined;
}): string {
  const { input, csrfToken, readerName, alreadyFlattred, oneClick } = options;
  const thing = input.title ? html`<q>${input.title}</q>` : 'this page';
  const by = input.creator ? html` by <span class="creator">${input.creator}</span>` : '';
  const hidden = (name: string, value: string | undefined) =>
    (value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">`);
  return page(`Flattr ${input.title ?? 'this page'}?`, html`
<h1 id="question">Flattr ${thing}${by}?</h1>
<dl class="facts">
  <dt>Page</dt><dd class="url">${input.url}</dd>
  ${input.returnTo
    ? html`<dt>Then back to</dt><dd class="return">${input.returnTo}</dd>`
    : html`<dt>Asked by</dt><dd class="origin">${input.origin}</dd>`}
</dl>
${input.creator ? html`<p class="muted">“${input.creator}” is the creator as this site names them; the money goes to the verified owner of the page.</p>` : ''}
${alreadyFlattred ? html`<p class="muted already">You already flattred this page this month; another click does not count twice.</p>` : ''}
<form method="post" action="/widget/confirm" aria-labelledby="question">
  ${hidden('url', input.url)}${hidden('title', input.title)}${hidden('creator', input.creator)}${input.returnTo ? hidden('return', input.returnTo) : hidden('origin', input.origin)}
  <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
  ${input.returnTo ? '' : oneClick ? html`<label class="check"><input type="checkbox" name="oneClick" value="1" aria-describedby="one-click-hint"> One click on this site (${input.origin})</label>
  <p class="muted hint" id="one-click-hint">Buttons on ${input.origin} may then flattr its pages at once, without this window, up to <strong class="cap">${oneClick.monthlyCap}</strong> flattrs a month. Change the number or take it back in your settings.</p>`
    : html`<p class="muted hint">One click is offered only for pages on the site that asks (${input.origin}).</p>`}
  <button type="submit" class="flattr" autofocus>Flattr</button>
  ${input.returnTo ? html`<a class="cancel" href="${input.returnTo}">Cancel</a>` : ''}
</form>
<p class="muted">Signed in as ${readerName} · <a href="/settings" target="_blank" rel="noopener">Settings</a></p>`);
}

/**
 * The page after the POST. Its data sits in a JSON block (never executed) and
 * the external script posts it to `window.opener` for exactly `origin`.
 */
export function renderResultPage(options: { origin: string; message: FlattrResultMessage; title: string | undefined; returnTo?: string }): string {
  const { origin, message, title, returnTo } = options;
  const heading = message.ok
    ? html`<h1>Flattred${title ? html` <q>${title}</q>` : ''}</h1>
<p>${message.count === 1 ? '1 flattr' : `${message.count} flattrs`} so far. Thank you!</p>
${message.siteToken ? html`<p class="muted">One click is on for ${origin}.</p>` : ''}`
    : html`<h1>Not flattred</h1>
<p class="error" data-code="${message.code}">${message.detail}</p>`;
  if (returnTo) {
    // The full-page flow: no window to post to, a link back instead of a Close button.
    return page(message.ok ? 'Flattred' : 'Not flattred', html`
<div class="result" data-ok="${String(message.ok)}">
${heading}
<p><a class="back" href="${returnTo}" autofocus>Back to ${returnTo}</a></p>
</div>`);
  }
  // `<` escaped so that no value can end the script element early.
  const data = JSON.stringify({ origin, message }).replace(/</g, '\\u003c');
  return page(message.ok ? 'Flattred' : 'Not flattred', html`
<div class="result" data-ok="${String(message.ok)}">
${heading}
<p><button type="button" id="close" class="secondary" autofocus>Close</button></p>
</div>`, html`<script type="application/json" id="flattr-result">${raw(data)}</script>`);
}

/** A page for input the window cannot act on (bad origin or url, failed CSRF check). */
export function renderProblemPage(options: { title: string; detail: string; code: string; inWindow?: boolean }): string {
  return page(options.title, html`
<div class="result" data-ok="false">
<h1>${options.title}</h1>
<p class="error" data-code="${options.code}">${options.detail}</p>
${options.inWindow === false ? '' : html`<p><button type="button" id="close" class="secondary">Close</button></p>`}
</div>`);
}

function page(title: string, body: SafeHtml, head?: SafeHtml): string {
  return renderPage({ title, body, scripts: [CONFIRM_SCRIPT_PATH], head: html`${CONFIRM_CSS}${head ?? ''}` });
}
