import { escapeHtml } from '../pages/index.js';

export interface DemoPost {
  slug: string;
  title: string;
  creator: string;
  excerpt: string;
}

/** The three posts of the demo blog; their URLs live under the service's `/demo/posts/`. */
export const DEMO_POSTS: readonly DemoPost[] = [
  {
    slug: 'hello-open-flattr',
    title: 'Hello, open Flattr',
    creator: 'ada',
    excerpt: 'Readers fund an account once a month and click Flattr on what they like; at the end of the month the money is split evenly between everything they clicked.',
  },
  {
    slug: 'one-script-tag',
    title: 'One script tag is all a blog needs',
    creator: 'grace',
    excerpt: 'Paste the script tag, drop a <flattr-button> next to each post, and the counts for every button on the page arrive in one request.',
  },
  {
    slug: 'no-money-without-a-click',
    title: 'No money moves without your click',
    creator: 'linus',
    excerpt: 'A page can show buttons but cannot spend for you: every flattr is confirmed in a small window on the service itself, unless you allowed one-click on that site.',
  },
];

export function demoPostUrl(publicUrl: string, post: DemoPost): string {
  return `${publicUrl}/demo/posts/${post.slug}`;
}

/**
 * The demo blog newcomers see after `npm start`: three posts, each with a large
 * button, and a sidebar of compact ones, loaded by the one-line script tag
 * exactly as a blogger would paste it. Its colors follow `prefers-color-scheme`,
 * as the buttons do.
 */
export function renderDemoPage(options: { publicUrl: string; scriptUrl: string; versionedScriptUrl: string | null }): string {
  const { publicUrl, scriptUrl, versionedScriptUrl } = options;
  const e = escapeHtml;
  const posts = DEMO_POSTS.map((post) => `
      <article class="post">
        <h2><a href="${e(demoPostUrl(publicUrl, post))}">${e(post.title)}</a></h2>
        <p class="byline">by ${e(post.creator)}</p>
        <p>${e(post.excerpt)}</p>
        <flattr-button size="large" show-count url="${e(demoPostUrl(publicUrl, post))}" title="${e(post.title)}" creator="${e(post.creator)}"></flattr-button>
      </article>`).join('');
  const compact = DEMO_POSTS.map((post) => `
          <li><span>${e(post.title)}</span>
            <flattr-button size="compact" show-count url="${e(demoPostUrl(publicUrl, post))}" title="${e(post.title)}" creator="${e(post.creator)}"></flattr-button></li>`).join('');
  const snippet = `<script async src="${versionedScriptUrl ?? scriptUrl}" data-api="${publicUrl}"></script>\n<flattr-button url="https://your.blog/post" title="Your post"></flattr-button>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>Demo blog · Flattr</title>
  <link rel="stylesheet" href="/demo/demo.css">
  <link rel="alternate" type="application/atom+xml" title="The demo blog" href="/demo/feed.atom">
  <script async src="${e(scriptUrl)}"></script>
</head>
<body>
  <header class="masthead">
    <h1>The demo blog</h1>
    <p>Every button below is a <code>&lt;flattr-button&gt;</code> loaded by one script tag from this Flattr service.
      <a href="/account/signup?next=%2Fdemo%2F">Sign up</a> · <a href="/account/login?next=%2Fdemo%2F">Log in</a> · <a href="/settings">Settings</a></p>
  </header>
  <div class="layout">
    <main>${posts}
    </main>
    <aside>
      <section class="card">
        <h2>Compact buttons</h2>
        <ul class="compact">${compact}
        </ul>
      </section>
      <section class="card">
        <h2>Add buttons to your blog</h2>
        <p>Paste this once per page (the versioned URL never changes and is cached for a year;
          <code>${e(scriptUrl)}</code> always points at the newest build):</p>
        <pre><code>${e(snippet)}</code></pre>
      </section>
    </aside>
  </div>
</body>
</html>
`;
}
