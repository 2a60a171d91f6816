/**
 * The end-to-end stage: the real server and database (startTestServer), a
 * static blog on another loopback origin (examples/blog/serve.mjs), and
 * Debian's Chromium driven by playwright-core.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Db } from 'mongodb';
import { startTestServer, signup, testClient, type TestServer, type TestUser } from '@flattr/server/testing';
import { startBlogServer, type BlogPage, type BlogServer } from '../../../examples/blog/serve.mjs';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    // Playwright turns Chromium's popup blocker off by default; readers have it on, and a
    // synthetic click must meet it as it would in their browser.
    ignoreDefaultArgs: ['--disable-popup-blocking'],
  });
}

export type Blog = BlogServer;

export interface Stage {
  server: TestServer;
  /** The example blog, on its own origin. */
  blog: Blog;
  /** A second site (another origin) for hostile pages. */
  evil: Blog;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts everything once per test file. `evilPages` are served by the second
 * origin (path → HTML); `blogPages` are extra pages on the blog's own origin
 * (HTML, or a function of the blog's and the service's URLs).
 */
export async function startStage(options: { blogPages?: Record<string, BlogPage>; evilPages?: (stage: { api: string; blog: string }) => Record<string, string> } = {}): Promise<Stage> {
  const server = await startTestServer();
  // A build running at the same time replaces dist/flattr.js: give it a few seconds before giving up.
  let bundle = await fetch(`${server.url}/widget/flattr.js`);
  for (let i = 0; i < 20 && bundle.status === 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    bundle = await fetch(`${server.url}/widget/flattr.js`);
  }
  if (bundle.status !== 200) {
    await server.close();
    throw new Error(`the server answers ${bundle.status} for /widget/flattr.js: build the widget first (npm run build -w @flattr/widget)`);
  }
  // The blog is another *site* (localhost vs 127.0.0.1), as a real blog is; the hostile site is a
  // sibling origin of the service on the same host (cookies are sent to it: the harder case for CSRF).
  const blog: Blog = await startBlogServer({ api: server.url, hostname: 'localhost', pages: options.blogPages ?? {} });
  const evil: Blog = await startBlogServer({ api: server.url, pages: options.evilPages?.({ api: server.url, blog: blog.url }) ?? {} });
  const browser = await launchChromium();
  return {
    server,
    blog,
    evil,
    browser,
    close: async () => {
      await browser.close();
      await blog.close();
      await evil.close();
      await server.close();
    },
  };
}

/** A reader with an account (made through the API) who is not logged in on this browser yet. */
export async function newReader(server: TestServer): Promise<TestUser> {
  return signup(testClient(server.url));
}

/** The reader's `_id` as stored (found by email, so these tests need no driver of their own). */
async function readerKey(db: Db, email: string) {
  const user = await db.collection('users').findOne({ email: email.toLowerCase() });
  if (!user) throw new Error(`no user ${email}`);
  return user._id;
}

/** How many flattrs the database holds for this reader: the ground truth every scenario checks. */
export async function flattrsOf(db: Db, email: string): Promise<number> {
  return db.collection('flattrs').countDocuments({ readerId: await readerKey(db, email) });
}

/** The reader's live site tokens as stored. */
export async function siteTokensOf(db: Db, email: string): Promise<Array<{ origin: string }>> {
  return db.collection('site_tokens').find({ userId: await readerKey(db, email), revokedAt: null }).toArray() as never;
}

/** A fresh browser profile: no cookies, no localStorage. */
export async function newContext(stage: Stage): Promise<BrowserContext> {
  const context = await stage.browser.newContext({ viewport: { width: 1000, height: 900 } });
  // Fail in seconds, not the default 30 s: every step here takes well under a second.
  context.setDefaultTimeout(10_000);
  return context;
}

/** The inner <button> of the n-th <flattr-button> on the page. */
export function buttonOf(page: Page, n: number) {
  return page.locator('flattr-button').nth(n).locator('button').first();
}

export interface ButtonView { state: string; pressed: string | null; count: string }

/** Waits until the n-th element has left the loading state and returns what it shows. */
export async function settledButton(page: Page, n: number): Promise<ButtonView> {
  const host = page.locator('flattr-button').nth(n);
  await host.and(page.locator(':not([state="loading"])')).waitFor();
  return viewOf(page, n);
}

/** Waits until the n-th element is in `state` (e.g. after a flattr). */
export async function buttonInState(page: Page, n: number, state: string): Promise<ButtonView> {
  await page.locator('flattr-button').nth(n).and(page.locator(`[state="${state}"]`)).waitFor();
  return viewOf(page, n);
}

export function viewOf(page: Page, n: number): Promise<ButtonView> {
  return page.locator('flattr-button').nth(n).evaluate((el) => {
    const root = el.shadowRoot!;
    const button = root.querySelector('button');
    return {
      state: el.getAttribute('state') ?? '',
      pressed: button?.getAttribute('aria-pressed') ?? null,
      // The visible number (the screen-reader text beside it repeats it in words).
      count: root.querySelector('[part~="count"] [aria-hidden="true"]')?.textContent?.trim() ?? '',
    };
  });
}

/** Logs in (or signs up) inside the confirm window, through the service's own forms. */
export async function logInPopup(popup: Page, reader: { email: string; password: string }): Promise<void> {
  await popup.waitForURL(/\/account\/login/);
  await popup.getByLabel('Email').fill(reader.email);
  await popup.getByLabel('Password').fill(reader.password);
  await popup.getByRole('button', { name: 'Log in' }).click();
  await popup.waitForURL(/\/widget\/confirm/);
}

export async function signUpPopup(popup: Page, reader: { email: string; password: string; name: string }): Promise<void> {
  await popup.waitForURL(/\/account\/login/);
  await popup.getByRole('link', { name: 'Sign up' }).click();
  await popup.waitForURL(/\/account\/signup/);
  await popup.getByLabel('Name').fill(reader.name);
  await popup.getByLabel('Email').fill(reader.email);
  await popup.getByLabel('Password').fill(reader.password);
  await popup.getByRole('button', { name: 'Sign up' }).click();
  await popup.waitForURL(/\/widget\/confirm/);
}
