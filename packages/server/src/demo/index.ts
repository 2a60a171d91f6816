import path from 'node:path';
import express from 'express';
import type { ServerModule } from '../context.js';
import { escapeHtml } from '../pages/index.js';
import { defaultBundleReader, flattrLinkUrl, widgetScriptUrls } from '../widget/index.js';
import { renderDemoFeed } from './demo-feed.js';
import { DEMO_POSTS, demoPostUrl, renderDemoPage } from './demo-page.js';

export { DEMO_POSTS, demoPostUrl, type DemoPost } from './demo-page.js';
export { renderAtomFeed, type FeedEntry } from './demo-feed.js';

/** A strict policy on purpose: the demo shows the widget working with no inline script or style. */
const DEMO_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The demo pages host Flattr buttons, and a button's confirm window must keep
 * its `window.opener` to post the result back. Helmet's default
 * `Cross-Origin-Opener-Policy: same-origin` on the *opener* puts every popup
 * it opens into a browsing context group of its own unless the popup sends
 * `same-origin` too (the window sends `unsafe-none`): the window then sees
 * `opener === null` and stays open, and the button sees it as closed at once.
 * `same-origin-allow-popups` keeps the page isolated from whoever opened it
 * while keeping its own popups (docs/widget.md, "Pages that host buttons").
 */
const DEMO_HEADERS = { 'Content-Security-Policy': DEMO_CSP, 'Cross-Origin-Opener-Policy': 'same-origin-allow-popups' };

/** `/demo/`: the demo blog `npm start` points newcomers at. */
export const demoModule: ServerModule = {
  name: 'demo',
  mount(app, ctx) {
    // The URL `npm start` prints: a newcomer lands on the demo, not on a 404.
    app.get('/', (_req, res) => res.redirect(302, '/demo/'));
    app.get('/demo/demo.css', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').sendFile(path.join(import.meta.dirname, 'demo.css'));
    });
    // Express matches `/demo` and `/demo/` alike; the page's relative links need the slash.
    app.get('/demo/', async (req, res, next) => {
      if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/demo/');
      try {
        const urls = await widgetScriptUrls(defaultBundleReader, ctx.config.publicUrl);
        res.set({ ...DEMO_HEADERS, 'Cache-Control': 'no-cache' }).type('html').send(renderDemoPage({
          publicUrl: ctx.config.publicUrl,
          scriptUrl: urls.latest,
          versionedScriptUrl: urls.versioned,
        }));
      } catch (error) {
        next(error);
      }
    });
    // The feed, with a rel="payment" link per entry (what feed readers and POST /v1/things/discover read).
    app.get('/demo/feed.atom', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').type('application/atom+xml; charset=utf-8').send(renderDemoFeed(ctx.config.publicUrl));
    });
    // Each post has a page of its own, so a button's URL is a real page a reader can open.
    app.get('/demo/posts/:slug', (req, res, next) => {
      const post = DEMO_POSTS.find((p) => p.slug === req.params.slug);
      if (!post) return next();
      const url = demoPostUrl(ctx.config.publicUrl, post);
      res.set(DEMO_HEADERS).type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${escapeHtml(post.title)} · Demo blog</title>
<link rel="canonical" href="${escapeHtml(url)}"><link rel="stylesheet" href="/demo/demo.css">
<link rel="payment" href="${escapeHtml(flattrLinkUrl(ctx.config.publicUrl, { url, title: post.title, creator: post.creator }))}">
<script async src="/widget/flattr.js"></script></head>
<body><div class="layout"><main><article class="post"><h2>${escapeHtml(post.title)}</h2>
<p class="byline">by ${escapeHtml(post.creator)}</p><p>${escapeHtml(post.excerpt)}</p>
<flattr-button size="large" show-count title="${escapeHtml(post.title)}" creator="${escapeHtml(post.creator)}"></flattr-button>
<p><a href="/demo/">← all posts</a></p></article></main></div></body></html>
`);
    });
  },
};
