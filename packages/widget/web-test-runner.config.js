// Browser tests: Debian's Chromium through puppeteer-core, msw's service worker for the API.
// The test pages are served from 127.0.0.1; the "Flattr service" is the same server reached as `localhost`,
// a different origin, so the confirm window and the postMessage origin checks are real cross-origin.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';

const require = createRequire(import.meta.url);
const mswWorkerFile = require.resolve('msw/mockServiceWorker.js');

/** A free loopback port, so parallel runs (other packages' tests, CI) never collide. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The strict policy the CSP fixture page is served with: nothing inline, nothing eval'd. */
const strictCsp = (apiOrigin) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${apiOrigin}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');

export default {
  files: ['test/**/*.test.ts'],
  nodeResolve: { browser: true },
  hostname: '127.0.0.1',
  port: process.env.WTR_PORT ? Number(process.env.WTR_PORT) : await freePort(),
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        headless: true,
        // puppeteer disables the popup blocker by default; the tests need it, to prove that a page's
        // synthetic clicks cannot open the confirm window.
        ignoreDefaultArgs: ['--disable-popup-blocking'],
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update',
          '--disable-sync', '--disable-dev-shm-usage'],
      },
    }),
  ],
  middleware: [
    async (ctx, next) => {
      const apiOrigin = `http://localhost:${ctx.host.split(":").pop()}`;
      if (ctx.path === '/mockServiceWorker.js') {
        ctx.type = 'application/javascript';
        ctx.body = await readFile(mswWorkerFile, 'utf8');
        return;
      }
      // A stand-in for the service's confirm window (the real one is the server's, tested end to end).
      if (ctx.path === '/widget/confirm') {
        ctx.type = 'text/html';
        ctx.body = '<!doctype html><title>Confirm</title><script src="/test/fixtures/fake-confirm.js"></script>';
        return;
      }
      // The service's translations route (packages/server/src/widget/serve-translations.ts), serving the same
      // built files (`npm run build` writes dist/i18n/<lang>.json): the script tag fetches non-English strings.
      const i18n = /^\/widget\/i18n\/([a-z]{2})\.json$/.exec(ctx.path);
      if (i18n) {
        ctx.set('Access-Control-Allow-Origin', '*');
        ctx.type = 'application/json';
        ctx.body = await readFile(new URL(`./dist/i18n/${i18n[1]}.json`, import.meta.url), 'utf8');
        return;
      }
      // A stand-in for the counts endpoint, for fixture pages that msw does not control (CSP page in an iframe).
      if (ctx.path === '/v1/counts') {
        const urls = [].concat(ctx.query.url ?? []);
        ctx.set('Access-Control-Allow-Origin', '*');
        ctx.type = 'application/json';
        ctx.body = JSON.stringify({ counts: Object.fromEntries(urls.map((u) => [u, { thingId: 't1', count: 3 }])) });
        return;
      }
      await next();
      if (ctx.path === '/test/fixtures/csp.html' || ctx.path === '/test/fixtures/csp-canary.html') {
        ctx.set('Content-Security-Policy', strictCsp(apiOrigin));
      }
    },
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' })],
};
