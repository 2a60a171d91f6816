import { xmlText } from '../badges/index.js';
import { flattrLinkUrl } from '../widget/index.js';
import { DEMO_POSTS, demoPostUrl } from './demo-page.js';

/** The demo posts do not change, so neither do their feeds' dates. */
const UPDATED = '2026-01-01T00:00:00Z';

/** One post of a feed, with the plain Flattr link of its page. */
export interface FeedEntry {
  url: string;
  title: string;
  author: string;
  summary: string;
  /** `/flattr?url=…` for this post: the entry's `rel="payment"` link. */
  flattrUrl: string;
}

/**
 * An Atom feed as a blog or a podcast would publish it: each entry carries a
 * `rel="payment"` link to the plain Flattr link of its post, so feed readers
 * (and `POST /v1/things/discover`) find what to flattr. The demo blog at
 * `/demo/` and the demo creators' blogs (src/demo-sites) publish theirs with it.
 */
export function renderAtomFeed(feed: { title: string; siteUrl: string; feedUrl: string; entries: readonly FeedEntry[] }): string {
  const x = xmlText;
  const entries = feed.entries.map((entry) => `
  <entry>
    <id>${x(entry.url)}</id>
    <title>${x(entry.title)}</title>
    <link rel="alternate" type="text/html" href="${x(entry.url)}"/>
    <link rel="payment" type="text/html" href="${x(entry.flattrUrl)}"/>
    <author><name>${x(entry.author)}</name></author>
    <updated>${UPDATED}</updated>
    <summary>${x(entry.summary)}</summary>
  </entry>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${x(feed.siteUrl)}</id>
  <title>${x(feed.title)}</title>
  <link rel="alternate" type="text/html" href="${x(feed.siteUrl)}"/>
  <link rel="self" type="application/atom+xml" href="${x(feed.feedUrl)}"/>
  <updated>${UPDATED}</updated>${entries}
</feed>
`;
}

/** `/demo/feed.atom`: the demo blog's Atom feed. */
export function renderDemoFeed(publicUrl: string): string {
  return renderAtomFeed({
    title: 'The demo blog',
    siteUrl: `${publicUrl}/demo/`,
    feedUrl: `${publicUrl}/demo/feed.atom`,
    entries: DEMO_POSTS.map((post) => {
      const url = demoPostUrl(publicUrl, post);
      return { url, title: post.title, author: post.creator, summary: post.excerpt, flattrUrl: flattrLinkUrl(publicUrl, { url, title: post.title, creator: post.creator }) };
    }),
  });
}
