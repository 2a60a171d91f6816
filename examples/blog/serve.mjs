#!/usr/bin/env node
// Serves this example blog on its own origin (another port than the Flattr
// service), so the buttons talk to the service cross-origin as on a real blog.
//   node examples/blog/serve.mjs                         → http://127.0.0.1:8081/, service at http://127.0.0.1:8080
//   FLATTR_API=http://127.0.0.1:9000 PORT=8082 node examples/blog/serve.mjs
// The end-to-end tests start it the same way through `startBlogServer`.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const DIR = import.meta.dirname;
const PLACEHOLDER_API = 'http://127.0.0.1:8080';
/** The blog's address in index.html; served, the buttons name the blog's own pages, as a real blog's do. */
const PLACEHOLDER_SITE = 'https://workshop-notes.example';

/**
 * @param {{ api?: string, port?: number, host?: string, hostname?: string, pages?: Record<string, string | ((site: { url: string, api: string }) => string)> }} options
 *   `pages` adds extra HTML pages by path (tests use it for hostile pages on this origin), as text or made per
 *   request from the blog's own URL and the service's;
 *   `hostname` names the blog in its URL (e.g. `localhost`, another *site* than `127.0.0.1`) while it listens on `host`.
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startBlogServer({ api = PLACEHOLDER_API, port = 0, host = '127.0.0.1', hostname = host, pages = {} } = {}) {
  const template = await readFile(path.join(DIR, 'index.html'), 'utf8');
  const css = await readFile(path.join(DIR, 'blog.css'), 'utf8');
  const feed = await readFile(path.join(DIR, 'feed.atom'), 'utf8');
  /** @type {Map<string, [string, string | ((site: { url: string, api: string }) => string)]>} filled once the port (and so the blog's URL) is known */
  const routes = new Map();
  const server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = typeof route[1] === 'function' ? route[1]({ url, api }) : route[1];
    res.writeHead(200, { 'content-type': route[0], 'cache-control': 'no-store' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${hostname}:${address.port}`;
  // One click on a site covers only that site's pages (docs/auth.md, "Site tokens"): the buttons name pages of this origin.
  // Also inside the payment links' query strings (`/flattr?url=https%3A%2F%2F…`), where the addresses are encoded.
  const fill = (text) => text.replaceAll(PLACEHOLDER_API, api).replaceAll(PLACEHOLDER_SITE, url)
    .replaceAll(encodeURIComponent(PLACEHOLDER_SITE), encodeURIComponent(url));
  const index = fill(template);
  routes.set('/', ['text/html; charset=utf-8', index]);
  routes.set('/index.html', ['text/html; charset=utf-8', index]);
  routes.set('/blog.css', ['text/css; charset=utf-8', css]);
  routes.set('/feed.atom', ['application/atom+xml; charset=utf-8', fill(feed)]);
  for (const [p, html] of Object.entries(pages)) routes.set(p, ['text/html; charset=utf-8', html]);
  return {
    url,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const blog = await startBlogServer({ api: process.env.FLATTR_API ?? PLACEHOLDER_API, port: Number(process.env.PORT ?? 8081) });
  console.log(`Example blog on ${blog.url}/ (Flattr service: ${process.env.FLATTR_API ?? PLACEHOLDER_API})`);
}
