import { xmlText } from '../badges/index.js';
import { flattrLinkUrl } from '../widget/index.js';
import { DEMO_POSTS, demoPostUrl } from './demo-page.js';

/** The posts do not change, so neither does the feed's date. */
const UPDATED = '2026-01-01T00:00:00Z';

/**
 * `/demo/feed.atom`: the demo blog's Atom feed. Each entry carries a
 * `rel="payment"` link to the plain Flattr link of its post, as a blog or a
 * podcast feed would, so feed readers (and `POST /v1/things/discover`) find
 * what to flattr.
 */
export function renderDemoFeed(publicUrl: string): string {
  const x = xmlText;
  const entries = DEMO_POSTS.map((post) => {
    const url = demoPostUrl(publicUrl, post);
    return `
  <entry>
    <id>${x(url)}</id>
    <title>${x(post.title)}</title>
    <link rel="alternate" type="text/html" href="${x(url)}"/>
    <link rel="payment" type="text/html" href="${x(flattrLinkUrl(publicUrl, { url, title: post.title, creator: post.creator }))}"/>
    <author><name>${x(post.creator)}</name></author>
    <updated>${UPDATED}</updated>
    <summary>${x(post.excerpt)}</summary>
  </entry>`;
  }).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${x(`${publicUrl}/demo/`)}</id>
  <title>The demo blog</title>
  <link rel="alternate" type="text/html" href="${x(`${publicUrl}/demo/`)}"/>
  <link rel="self" type="application/atom+xml" href="${x(`${publicUrl}/demo/feed.atom`)}"/>
  <updated>${UPDATED}</updated>${entries}
</feed>
`;
}
