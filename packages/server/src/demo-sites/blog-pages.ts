import { escapeHtml } from '../pages/index.js';
import type { DemoCreator } from './demo-people.js';

/**
 * A demo creator's blog, as a blogger would write it: the one script tag
 * from the Flattr service, a button per post, and the proof of ownership in
 * a meta tag (the service checks it when the site is verified).
 */
export function renderBlogPage(options: {
  creator: DemoCreator;
  ownerId: string;
  origin: string;
  serviceUrl: string;
  post?: DemoCreator['posts'][number];
}): string {
  const { creator, ownerId, origin, serviceUrl, post } = options;
  const e = escapeHtml;
  const posts = post ? [post] : creator.posts;
  const articles = posts.map((p) => `
    <article class="post">
      <h2>${post ? e(p.title) : `<a href="/posts/${e(p.slug)}">${e(p.title)}</a>`}</h2>
      <p class="byline">by ${e(creator.name)}</p>
      <p>${e(p.excerpt)}</p>
      <flattr-button size="large" show-count url="${e(`${origin}/posts/${p.slug}`)}" title="${e(p.title)}" creator="${e(creator.handle)}"></flattr-button>
    </article>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <meta name="flattr:owner" content="${e(ownerId)}">
  <title>${e(post ? `${post.title} · ${creator.blog}` : creator.blog)}</title>
  ${post ? `<link rel="canonical" href="${e(`${origin}/posts/${post.slug}`)}">` : ''}
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
