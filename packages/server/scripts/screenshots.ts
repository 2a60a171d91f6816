// Screenshots of every page of the service, light and dark, into docs/pages/:
// the demo after a month of use (the same fixture the browser tests use, with
// Stripe against stripe-mock and mail in the development outbox), each
// page seen by the person it is for, in Debian's Chromium.
//   npm run screenshots -w @flattr/server   (build the widget first: npm run build)
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { DEMO_PASSWORD } from '../src/demo-sites/index.js';
import { DEMO_PAGES, DEMO_VIEWER_EMAILS, livedInDemo, livedInDemoEnv, startStripeMock, startTestServer, type DemoViewer } from '../src/testing/index.js';

const docs = path.resolve(import.meta.dirname, '..', '..', '..', 'docs', 'pages');
await mkdir(docs, { recursive: true });
// Stripe's pieces (card top-up, payout destination, approvals, reconciliation) need Stripe's API: stripe-mock on loopback.
const stripe = await startStripeMock();
const server = await startTestServer({ env: livedInDemoEnv(stripe.url) });
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
try {
  // A fixed day, so the pictures do not change with the calendar.
  server.clock.set('2026-11-12T10:00:00Z');
  const demo = await livedInDemo(server);
  const contexts = new Map<DemoViewer, BrowserContext>();
  const options = { viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 };
  contexts.set('anonymous', await browser.newContext(options));
  for (const [viewer, email] of Object.entries(DEMO_VIEWER_EMAILS) as Array<[DemoViewer, string]>) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(`${server.url}/account/login?next=%2Faccount`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await Promise.all([page.waitForURL(/\/account$/), page.getByRole('button', { name: 'Log in' }).click()]);
    await page.close();
    contexts.set(viewer, context);
  }
  for (const spec of DEMO_PAGES) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await contexts.get(spec.viewer)!.newPage();
      await page.emulateMedia({ colorScheme });
      await page.goto(`${server.url}${spec.path(demo)}`);
      await page.waitForFunction(() => {
        const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> } }).document;
        return Array.from(doc.querySelectorAll('flattr-button')).every((el) => el.getAttribute('state') !== null);
      });
      const file = path.join(docs, `${spec.name}-${colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  await stripe.stop();
}
