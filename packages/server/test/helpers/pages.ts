/**
 * Helpers for the page tests: a verified creator with a site of its own on
 * loopback, readers logged in through the real login page, and readers of
 * the figures pages carry in `data-amount` (exact minor units).
 */
import assert from 'node:assert/strict';
import { startProofServer, type ProofServer } from '../../src/sites/testing/proof-server.js';
import { login, signup, type TestClient, type TestServer, type TestUser } from '../../src/testing/index.js';
import { hiddenField, PageBrowser } from '../../src/widget/testing/page-browser.js';

export { hiddenField, PageBrowser };

export interface LoggedIn {
  user: TestUser;
  browser: PageBrowser;
}

export async function loggedIn(server: TestServer, api: TestClient, user?: TestUser): Promise<LoggedIn> {
  const u = user ?? await signup(api);
  const browser = new PageBrowser(server.url);
  await browser.logIn(u.email, u.password);
  return { user: u, browser };
}

export interface VerifiedCreator extends LoggedIn {
  site: ProofServer;
  /** Registers a thing under the creator's site; answers its id. */
  thing(path: string, title: string): Promise<string>;
}

/** A creator who proved their loopback site with `/.well-known/flattr` through the API. */
export async function verifiedCreator(server: TestServer, api: TestClient): Promise<VerifiedCreator> {
  const { user, browser } = await loggedIn(server, api);
  const site = await startProofServer();
  site.pages.set('/.well-known/flattr', { body: user.id });
  const added = await api.post('/v1/sites', { url: site.origin }, { token: user.token });
  const verified = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: user.token });
  assert.equal(verified.status, 200, verified.text);
  return {
    user, browser, site,
    async thing(path, title) {
      // Tests move the clock: a fresh access token each time.
      await login(api, user);
      const res = await api.post('/v1/things', { url: `${site.origin}${path}`, title }, { token: user.token });
      assert.ok(res.status === 201 || res.status === 200, res.text);
      return res.body.id as string;
    },
  };
}

/** `data-amount` of the element marked `data-figure="name"`. */
export function figureOf(html: string, name: string): number {
  const match = new RegExp(`data-amount="(-?\\d+)" data-figure="${name}"`).exec(html);
  assert.ok(match, `no figure ${name} on the page`);
  return Number(match[1]);
}

/** The markup of the table row carrying `attribute="value"` (e.g. data-thing). */
export function rowOf(html: string, attribute: string, value: string): string {
  const start = html.indexOf(`<tr ${attribute}="${value}"`);
  assert.ok(start >= 0, `no row ${attribute}=${value} on the page`);
  return html.slice(start, html.indexOf('</tr>', start));
}

/** `data-amount` of the cell `data-col="col"` in a row's markup. */
export function cellAmount(row: string, col: string): number | null {
  const match = new RegExp(`data-col="${col}"><span class="money" data-amount="(-?\\d+)"`).exec(row);
  return match ? Number(match[1]) : null;
}

/** Every form's action and its hidden CSRF token on a page. */
export function formsOf(html: string): Array<{ action: string; csrf: string | null }> {
  return [...html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({
    action: m[1]!.replace(/&amp;/g, '&'),
    csrf: /name="_csrf" value="([^"]*)"/.exec(m[2]!)?.[1] ?? null,
  }));
}
