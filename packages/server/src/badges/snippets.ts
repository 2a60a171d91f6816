import { escapeHtml } from '../pages/index.js';
import { flattrLinkUrl } from '../widget/index.js';
import type { BadgeTheme } from './badge-svg.js';

/** A thing named by its URL (title and creator as the page would send them), or a creator by user id. */
export type SnippetTarget = { url: string; title?: string; creator?: string } | { creatorId: string };

export interface Snippets {
  /** `GET /badge.svg?…`: the image. */
  badgeUrl: string;
  /** Where the badge links: the thing's public page (`/things?url=…`) or the creator's (`/creators/:id`). */
  pageUrl: string;
  /** `[![Flattr …](badge)](page)` for READMEs, forums, newsletters. */
  markdown: string;
  /** `<a href="page"><img src="badge" alt="…"></a>` for pages that cannot run a script. */
  html: string;
  /** The plain link that flattrs without a script (`/flattr?url=…`): also the `rel="payment"` href. Things only. */
  flattrUrl?: string;
  /** That link as HTML (`<a rel="payment" …>`) and as Markdown. Things only. */
  linkHtml?: string;
  linkMarkdown?: string;
}

/**
 * Every form of the no-JavaScript embed for one thing or creator, on the
 * service at `publicUrl`. One function for the docs, the button-code
 * generator and the demo, so they never drift apart.
 */
export function snippetsFor(publicUrl: string, target: SnippetTarget, options: { theme?: BadgeTheme } = {}): Snippets {
  const base = publicUrl.replace(/\/+$/, '');
  const theme = options.theme && options.theme !== 'light' ? { theme: options.theme } : {};
  if ('creatorId' in target) {
    const badgeUrl = `${base}/badge.svg?${query({ creator: target.creatorId, ...theme })}`;
    const pageUrl = `${base}/creators/${encodeURIComponent(target.creatorId)}`;
    return withBadge(badgeUrl, pageUrl, 'Flattr this creator');
  }
  const name = target.title ? `Flattr “${target.title}”` : 'Flattr this';
  const badgeUrl = `${base}/badge.svg?${query({ url: target.url, ...theme })}`;
  const pageUrl = `${base}/things?${query({ url: target.url })}`;
  const flattrUrl = flattrLinkUrl(base, target);
  return {
    ...withBadge(badgeUrl, pageUrl, name),
    flattrUrl,
    linkHtml: `<a rel="payment" href="${escapeHtml(flattrUrl)}">${escapeHtml(name)}</a>`,
    linkMarkdown: `[${markdownText(name)}](${markdownUrl(flattrUrl)})`,
  };
}

function withBadge(badgeUrl: string, pageUrl: string, alt: string): Pick<Snippets, 'badgeUrl' | 'pageUrl' | 'markdown' | 'html'> {
  return {
    badgeUrl,
    pageUrl,
    markdown: `[![${markdownText(alt)}](${markdownUrl(badgeUrl)})](${markdownUrl(pageUrl)})`,
    html: `<a href="${escapeHtml(pageUrl)}"><img src="${escapeHtml(badgeUrl)}" alt="${escapeHtml(alt)}" height="20"></a>`,
  };
}

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  return search.toString();
}

/** Link text and image alt text: the brackets and backslashes that would end or escape them, escaped. */
function markdownText(text: string): string {
  return text.replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/** A link destination: parentheses, spaces and angle brackets percent-encoded so the URL cannot end early. */
function markdownUrl(url: string): string {
  return url.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
