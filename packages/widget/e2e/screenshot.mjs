#!/usr/bin/env node
// Renders the demo blog (/demo/) of a real server in Chromium, light and dark,
// into docs/demo-light.png and docs/demo-dark.png. Some posts get counts and one
// is shown as flattred by this reader, so every state of the buttons appears.
//   npm run screenshot -w @flattr/widget      (build the widget first: npm run build -w @flattr/widget)
import path from 'node:path';
import { startTestServer } from '@flattr/server/testing';
import { launchChromium } from './harness.ts';

const docs = path.resolve(import.meta.dirname, '..', '..', '..', 'docs');
const server = await startTestServer();
const browser = await launchChromium();
try {
  // Counts are seeded before the browser first asks for them (it caches them for 30 s).
  const demoHtml = await (await fetch(`${server.url}/demo/`)).text();
  const urls = [...demoHtml.matchAll(/<flattr-button size="large" show-count url="([^"]+)"/g)].map((m) => m[1]);
  const counts = [12, 3, 0];
  for (const [i, url] of urls.entries()) {
    if (!counts[i]) continue;
    await server.db.collection('things').insertOne({
      url, host: new URL(url).host, title: `Demo post ${i + 1}`, tags: [], ownerId: null, claimedCreator: null,
      flattrCount: counts[i], createdAt: new Date(),
    });
  }
  const page = await browser.newPage({ viewport: { width: 1120, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}/healthz`);
  // This reader flattred the first post this month (what the button remembers after a flattr).
  const period = new Date().toISOString().slice(0, 7);
  await page.evaluate(({ key, url }) => localStorage.setItem(key, JSON.stringify([url])), { key: `flattr:flattred:${server.url}:${period}`, url: urls[0] });

  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.goto(`${server.url}/demo/`);
    await page.waitForFunction(() => [...document.querySelectorAll('flattr-button')].every((el) => el.getAttribute('state') && el.getAttribute('state') !== 'loading'));
    const file = path.join(docs, `demo-${colorScheme}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await browser.close();
  await server.close();
}
