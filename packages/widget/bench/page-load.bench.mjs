// A blog page with 200 <flattr-button show-count> against the real server and database, in Chromium,
// beside the same page with 200 plain <a> links, in one run (issue 5, "Performance").
// Measures, per fresh browser profile (cold cache): counts requests made for the buttons in view
// (goal ≤ 2) and in total after scrolling to the end, and the time from the script's arrival to every
// button in view showing its count; for both pages first contentful paint and the load event.
// Several iterations, medians reported. Writes the `widget-page-load` section of docs/benchmarks.md.
import path from 'node:path';
import { register } from 'tsx/esm/api';
import { machineLine, updateBenchmarksSection } from '../../../scripts/benchmarks-doc.mjs';

register();
const { startTestServer } = await import('@flattr/server/testing');
const { launchChromium } = await import('../e2e/harness.ts');
const { startBlogServer } = await import('../../../examples/blog/serve.mjs');

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);
const BUTTONS = 200;
const VIEWPORT = { width: 1280, height: 800 };
const urls = Array.from({ length: BUTTONS }, (_, i) => `https://bench-blog.example/posts/${i + 1}`);

const row = (i, inner) => `<article><h2>Post ${i + 1}: notes on something worth reading</h2>${inner}</article>`;
const page = (title, head, rows) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:0 auto;padding:1rem}article{display:flex;justify-content:space-between;align-items:center;gap:1rem;border-bottom:1px solid #ddd;padding:.4rem 0}h2{font-size:1rem;margin:0}</style>
${head}</head><body><h1>${title}</h1>${rows.join('\n')}</body></html>`;

// Paint timing may be reported a little after `load`: wait for the entry.
const paintProbe = () => {
  window.firstContentfulPaint = () => new Promise((resolve) => {
    const found = performance.getEntriesByName('first-contentful-paint')[0];
    if (found) return resolve(found.startTime);
    new PerformanceObserver((list, observer) => {
      observer.disconnect();
      resolve(list.getEntries()[0].startTime);
    }).observe({ type: 'paint', buffered: true });
  });
};

// Records, inside the page, when every button in the viewport has left `loading` and shows a number.
const probe = () => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.height > 0;
  };
  const shown = (el) => {
    const state = el.getAttribute('state');
    const count = el.shadowRoot?.querySelector('[part~="count"] [aria-hidden="true"]')?.textContent ?? '';
    return (state === 'ready' || state === 'flattred') && /\d/.test(count);
  };
  const check = () => {
    if (window.__visibleReadyAt !== undefined) return;
    const buttons = [...document.querySelectorAll('flattr-button')].filter(visible);
    if (buttons.length > 0 && buttons.every(shown)) {
      window.__visibleReadyAt = performance.now();
      window.__visibleButtons = buttons.length;
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, attributes: true, attributeFilter: ['state'], childList: true, characterData: true });
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const server = await startTestServer();
let blog;
let browser;
try {
  const bundle = await fetch(`${server.url}/widget/flattr.js`);
  if (bundle.status !== 200) throw new Error(`/widget/flattr.js answers ${bundle.status}: run npm run build -w @flattr/widget first`);
  // Every third post has been flattred before: counts from 1 to 67.
  await server.db.collection('things').insertMany(urls.filter((_, i) => i % 3 === 0).map((url, k) => ({
    url, host: 'bench-blog.example', title: url, tags: [], ownerId: null, claimedCreator: null, flattrCount: k + 1, createdAt: new Date(),
  })));
  const scriptUrl = `${server.url}/widget/flattr.js`;
  blog = await startBlogServer({
    api: server.url,
    pages: {
      '/buttons.html': page('200 Flattr buttons', `<script async src="${scriptUrl}" data-api="${server.url}"></script>`,
        urls.map((url, i) => row(i, `<flattr-button show-count url="${url}" title="Post ${i + 1}"></flattr-button>`))),
      '/links.html': page('200 plain links', '',
        urls.map((url, i) => row(i, `<a href="${url}">Flattr post ${i + 1}</a>`))),
    },
  });
  browser = await launchChromium();

  const runs = { buttons: [], links: [] };
  for (let i = 0; i < ITERATIONS; i++) {
    // Buttons: a fresh profile each time, so nothing (script, counts) comes from a cache.
    {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const tab = await context.newPage();
      await tab.addInitScript(paintProbe);
      await tab.addInitScript(probe);
      const counts = [];
      tab.on('request', (r) => { if (r.url().startsWith(`${server.url}/v1/counts`)) counts.push(new URL(r.url()).searchParams.getAll('url').length); });
      await tab.goto(`${blog.url}/buttons.html`, { waitUntil: 'load' });
      await tab.waitForFunction(() => window.__visibleReadyAt !== undefined, null, { timeout: 30_000 });
      const inView = await tab.evaluate(async ({ src, api }) => {
        const script = performance.getEntriesByName(src)[0];
        const nav = performance.getEntriesByType('navigation')[0];
        const firstCounts = performance.getEntriesByType('resource').find((e) => e.name.startsWith(`${api}/v1/counts`));
        return {
          readyAt: window.__visibleReadyAt, visibleButtons: window.__visibleButtons,
          scriptStart: script.startTime, scriptEnd: script.responseEnd, fcp: await firstContentfulPaint(), load: nav.loadEventEnd,
          countsStart: firstCounts.startTime, countsEnd: firstCounts.responseEnd,
        };
      }, { src: scriptUrl, api: server.url });
      const visibleRequests = counts.length;
      const visibleUrls = counts.reduce((a, b) => a + b, 0);
      // Then scroll through the whole page: the rest of the counts arrive as buttons come near.
      await tab.evaluate(async () => {
        for (let y = 0; y <= document.body.scrollHeight; y += innerHeight / 2) {
          scrollTo(0, y);
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      await tab.waitForFunction(() => [...document.querySelectorAll('flattr-button')].every((el) => el.getAttribute('state') !== 'loading'), null, { timeout: 30_000 });
      runs.buttons.push({ ...inView, visibleRequests, visibleUrls, totalRequests: counts.length, totalUrls: counts.reduce((a, b) => a + b, 0) });
      await context.close();
    }
    // Baseline: the same page with plain links.
    {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const tab = await context.newPage();
      await tab.addInitScript(paintProbe);
      await tab.goto(`${blog.url}/links.html`, { waitUntil: 'load' });
      runs.links.push(await tab.evaluate(async () => ({
        fcp: await firstContentfulPaint(),
        load: performance.getEntriesByType('navigation')[0].loadEventEnd,
      })));
      await context.close();
    }
    process.stdout.write(`iteration ${i + 1}/${ITERATIONS} done\n`);
  }

  const b = (key) => median(runs.buttons.map((r) => r[key]));
  const l = (key) => median(runs.links.map((r) => r[key]));
  const ms = (x) => `${x.toFixed(0)} ms`;
  const scriptToReady = median(runs.buttons.map((r) => r.readyAt - r.scriptEnd));
  const requestsInView = Math.max(...runs.buttons.map((r) => r.visibleRequests));
  const md = `## Widget page load: 200 buttons vs 200 links (\`packages/widget\`)

Command: \`npm run bench -w @flattr/widget\` (\`bench/page-load.bench.mjs\`): Chromium (headless, ${VIEWPORT.width}×${VIEWPORT.height}),
the real server and database on loopback, the page served from another origin, a fresh browser profile per
iteration (cold caches), ${ITERATIONS} iterations, medians. 67 of the 200 URLs have counts (1–67). ${machineLine()}

| | 200 \`<flattr-button show-count>\` | 200 plain \`<a>\` links |
| --- | ---: | ---: |
| counts requests for the buttons in view (max over runs; goal ≤ 2) | **${requestsInView}** (${b('visibleUrls')} URLs, ${b('visibleButtons')} buttons in view) | – |
| counts requests in total, after scrolling to the end | ${b('totalRequests')} (${b('totalUrls')} URLs) | – |
| first contentful paint | ${ms(b('fcp'))} | ${ms(l('fcp'))} |
| load event end | ${ms(b('load'))} | ${ms(l('load'))} |
| script received (\`responseEnd\` of flattr.js) | ${ms(b('scriptEnd'))} | – |
| first counts request: sent → answered (from navigation start) | ${ms(b('countsStart'))} → ${ms(b('countsEnd'))} | – |
| all buttons in view rendered with counts (from navigation start) | ${ms(b('readyAt'))} | – |
| **script received → all buttons in view rendered with counts** | **${ms(scriptToReady)}** | – |

Goal for the requests: ≤ 2 for the visible buttons → ${requestsInView <= 2 ? '**met**' : '**not met**'}. Buttons below the fold fetch their counts only when they come within 200 px of the viewport, in batches of up to 100 URLs.
`;
  console.log(md);
  await updateBenchmarksSection('widget-page-load', md);
} finally {
  await browser?.close();
  await blog?.close();
  await server.close();
}
