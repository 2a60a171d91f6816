import { ObjectId } from 'mongodb';
import { userNames } from '../accounts/index.js';
import { collections, type ThingDoc, type UserDoc } from '../db/index.js';
import { periodOf } from '../money/index.js';
import { listSites } from '../sites/index.js';
import { listOwnedThings } from '../things/index.js';
import { flattrLinkUrl } from '../widget/index.js';
import { card, creatorLink, html, thingLink, type PageRequest, type SafeHtml } from '../pages/index.js';

/** The public pages load the widget from this service, which then asks for counts here: script and connect `'self'`. */
export const PUBLIC_SECURITY = { scriptSrc: ["'self'"], connectSrc: ["'self'"] };

function widgetHead(page: PageRequest): SafeHtml {
  return html`<script async src="/widget/flattr.js" data-api="${page.ctx.config.publicUrl}"></script>`;
}

/**
 * The plain Flattr link (`/flattr?url=…&title=…`, src/widget): what every
 * Flattr button without JavaScript falls back to, here as on any blog. It
 * opens the confirm window as a full page and comes back to this page.
 */
function plainLink(page: PageRequest, thing: { url: string; title?: string }): string {
  return flattrLinkUrl(page.ctx.config.publicUrl, { url: thing.url, title: thing.title || undefined });
}

/**
 * The Flattr button for a thing on our own pages: the widget's element, and
 * inside it the plain link, which is what shows where JavaScript does not
 * run (the element is then unknown markup).
 */
function flattrButton(page: PageRequest, thing: { url: string; title?: string }): SafeHtml {
  return html`<flattr-button url="${thing.url}"${thing.title ? html` title="${thing.title}"` : ''} size="large" show-count><a class="button" rel="payment" href="${plainLink(page, thing)}">${page.t('public.flattr')}</a></flattr-button>`;
}

/** `/things/:id`, or `/things?url=` for a page nobody flattred yet (`thing` null). */
export async function renderThing(page: PageRequest, thing: ThingDoc | null, url: string): Promise<void> {
  const { t, fmt, ctx } = page;
  const title = thing?.title || url;
  const ownerId = thing?.ownerId?.toHexString() ?? null;
  const names = await userNames(ctx, [ownerId]);
  const periodCount = thing
    ? await collections.flattrs(ctx.db).countDocuments({ thingId: thing._id, period: periodOf(ctx.clock.now()) })
    : 0;
  const owner = ownerId
    ? html`<p>${t.html('public.thing.owner', { creator: creatorLink(ownerId, names.get(ownerId)) })}</p>`
    : html`<p class="muted">${thing?.claimedCreator ? t('public.thing.claimed', { creator: thing.claimedCreator }) : t('public.thing.unowned')}</p>`;
  page.send({
    title,
    current: 'public',
    head: widgetHead(page),
    security: PUBLIC_SECURITY,
    body: html`<article class="thing"${thing ? html` data-thing="${thing._id.toHexString()}"` : ''}>
<h1>${title}</h1>
<p class="url"><a href="${url}" rel="nofollow noopener">${url}</a></p>
${thing?.description ? html`<p>${thing.description}</p>` : ''}
${owner}
<dl class="figures">
<div><dt>${t('public.thing.count')}</dt><dd data-figure="flattr-count">${fmt.count(thing?.flattrCount ?? 0)}</dd></div>
<div><dt>${t('public.thing.thisMonth')}</dt><dd data-figure="month-count">${fmt.count(periodCount)}</dd></div>
</dl>
${thing ? '' : html`<p>${t('public.thing.new')}</p>`}
<div class="actions">${flattrButton(page, { url, title: thing?.title })}</div>
<p class="muted">${t('public.thing.how')}</p>
</article>`,
  });
}

/** `/creators/:id`: a creator's verified sites and things. */
export async function renderCreatorProfile(page: PageRequest, creator: UserDoc): Promise<void> {
  const { t, fmt, ctx } = page;
  const id = creator._id.toHexString();
  const [sites, things] = await Promise.all([
    listSites(ctx, id),
    listOwnedThings(ctx.db, new ObjectId(id), periodOf(ctx.clock.now())),
  ]);
  const verified = sites.filter((s) => s.verifiedAt);
  page.send({
    title: creator.name,
    current: 'public',
    head: widgetHead(page),
    security: PUBLIC_SECURITY,
    body: html`<h1>${creator.name}</h1>
${card('creator-sites', t('public.creator.sites'), verified.length
    ? html`<ul>${verified.map((s) => html`<li><a href="${s.origin}/" rel="nofollow noopener" class="url">${s.host}</a></li>`)}</ul>`
    : html`<p class="muted">${t('public.creator.noSites')}</p>`)}
${card('creator-things', t('public.creator.things'), things.length
    ? html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('col.thing')}</th><th scope="col" class="num">${t('col.thisMonth', { month: fmt.period(periodOf(ctx.clock.now())) })}</th><th scope="col" class="num">${t('col.allTime')}</th><th scope="col"><span class="sr-only">${t('public.flattr')}</span></th></tr></thead>
<tbody>${things.map(({ thing, periodCount }) => html`<tr data-thing="${thing._id.toHexString()}"><td>${thingLink(thing)}</td><td class="num">${fmt.count(periodCount)}</td><td class="num">${fmt.count(thing.flattrCount)}</td>
<td>${flattrButtonCompact(page, thing)}</td></tr>`)}</tbody></table></div>`
    : html`<p class="muted">${t('public.creator.noThings')}</p>`)}`,
  });
}

function flattrButtonCompact(page: PageRequest, thing: ThingDoc): SafeHtml {
  return html`<flattr-button url="${thing.url}" title="${thing.title}" size="compact"><a rel="payment" href="${plainLink(page, thing)}" aria-label="${page.t('public.flattrTitle', { title: thing.title || thing.url })}">${page.t('public.flattr')}</a></flattr-button>`;
}
