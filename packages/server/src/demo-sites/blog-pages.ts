import { snippetsFor } from '../badges/index.js';
import { renderAtomFeed } from '../demo/index.js';
import { escapeHtml } from '../pages/index.js';
import type { DemoCreator } from './demo-people.js';

type DemoBlogPost = DemoCreator['posts'][number];

/** A post's address on its blog, and its plain Flattr link (as `snippetsFor` makes it for the button-code generator). */
function postLinks(creator: DemoCreator, origin: string, serviceUrl: string, post: DemoBlogPost) {
  const url = `${origin}/posts/${post.slug}`;
  const { flattrUrl, linkHtml } = snippetsFor(serviceUrl, { url, title: post.title, creator: creator.handle });
  return { url, flattrUrl: flattrUrl!, linkHtml: linkHtml! };
}

/**
 * A demo creator's blog, as a blogger would write it: the one script tag
 * from the Flattr service, a button per post with the plain Flattr link
 * inside (what readers without JavaScript get), the post's `rel="payment"`
 * link in its page's head, its Atom feed announced, and the proof of
 * ownership in a meta tag (the service checks it when the site is verified).
 */
export function renderBlogPage(options: {
  creator: DemoCreator;
  ownerId: string;
  origin: string;
  serviceUrl: string;
  post?: DemoBlogPost;
}): string {
  const { creator, ownerId, origin, serviceUrl, post } = options;
  const e = escapeHtml;
  const posts = post ? [post] : creator.posts;
  const articles = posts.map((p) => {
    const links = postLinks(creator, origin, serviceUrl, p);
    return `
    <article class="post">
      <h2>${post ? e(p.title) : `<a href="/posts/${e(p.slug)}">${e(p.title)}</a>`}</h2>
      <p class="byline">by ${e(creator.name)}</p>
      <p>${e(p.excerpt)}</p>
      <flattr-button size="large" show-count url="${e(links.url)}" title="${e(p.title)}" creator="${e(creator.handle)}">${links.linkHtml}</flattr-button>
    </article>`;
  }).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <meta name="flattr:owner" content="${e(ownerId)}">
  <title>${e(post ? `${post.title} · ${creator.blog}` : creator.blog)}</title>
  ${post ? `<link rel="canonical" href="${e(`${origin}/posts/${post.slug}`)}">
  <link rel="payment" href="${e(postLinks(creator, origin, serviceUrl, post).flattrUrl)}">` : ''}
  <link rel="alternate" type="application/atom+xml" href="${e(origin)}/feed.atom" title="${e(creator.blog)}">
  <link rel="stylesheet" href="${e(serviceUrl)}/demo/demo.css">
  <script async src="${e(serviceUrl)}/widget/flattr.js" data-api="${e(serviceUrl)}"></script>
</head>
<body>
  <header class="masthead">
    <h1>${post ? `<a href="/">${e(creator.blog)}</a>` : e(creator.blog)}</h1>
    <p>A demo blog of ${e(creator.name)}, served by the Flattr demo for ${e(origin)}. <a href="${e(serviceUrl)}/welcome">Demo guide</a></p>
  </header>
  <div class="layout"><main>${articles}
  </main></div>
</body>
</html>
`;
}

/** The blog's Atom feed (`/feed.atom`): each post with its `rel="payment"` link. */
export function renderBlogFeed(options: { creator: DemoCreator; origin: string; serviceUrl: string }): string {
  const { creator, origin, serviceUrl } = options;
  return renderAtomFeed({
    title: creator.blog,
    siteUrl: `${origin}/`,
    feedUrl: `${origin}/feed.atom`,
    entries: creator.posts.map((post) => {
      const { url, flattrUrl } = postLinks(creator, origin, serviceUrl, post);
      return { url, title: post.title, author: creator.handle, summary: post.excerpt, flattrUrl };
    }),
  });
}
