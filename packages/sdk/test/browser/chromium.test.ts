/*
 * The built SDK in a real browser (Debian Chromium, headless) against the
 * real server on another origin: the IIFE and the ESM entry load, CORS lets
 * every header the SDK sends through (Authorization, Idempotency-Key), the
 * session lands in localStorage, errors are FlattrErrors.
 * Needs `npm run build` and Chromium at /usr/bin/chromium (or CHROME_PATH).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '@flattr/server/testing';
import { FlattrClient } from '../../src/index.js';

const dist = path.resolve(import.meta.dirname, '..', '..', 'dist');
let api: TestServer;
let site: Server;
let siteUrl: string;
let browser: Browser;
let page: Page;

before(async () => {
  api = await startTestServer({ env: { DEMO_TOPUP: 'true' } });
  // The page's origin: serves an empty page and the built files.
  site = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/dist/')) {
      try {
        const body = await readFile(path.join(dist, path.normalize(url.pathname.slice('/dist/'.length))));
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blog</title><script src="/dist/flattr-sdk.iife.js"></script><button id="flattr">Flattr</button>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  await page.goto(`${siteUrl}/`);
});

after(async () => {
  await browser?.close();
  site?.closeAllConnections();
  site?.close();
  await api?.close();
});

describe('the SDK in Chromium, cross-origin', () => {
  it('the IIFE: signup, demo top-up, flattr, batched counts, errors', async () => {
    const result = await page.evaluate(async (baseUrl: string) => {
      const { FlattrClient, localStorageAdapter } = (window as any).FlattrSDK;
      const client = new FlattrClient({ baseUrl, storage: localStorageAdapter() });
      await client.auth.signup({ email: 'browser@example.test', password: 'correct horse battery staple', name: 'Browser' });
      await client.deposits.demo({ amount: 700 });
      const flattred = await client.flattrs.create({ url: 'https://blog.example/in-browser', title: 'In a browser' });
      const counts = await Promise.all([client.counts.get('https://blog.example/in-browser'), client.counts.get('https://blog.example/other')]);
      const error = await client.things.get('000000000000000000000000').catch((e: any) => ({ name: e.name, status: e.status, code: e.code, isError: e instanceof Error }));
      return {
        status: flattred.status,
        balance: (await client.balance.get()).available,
        counts,
        error,
        stored: Object.keys(localStorage),
      };
    }, api.url);
    assert.equal(result.status, 201);
    assert.equal(result.balance, 700);
    assert.deepEqual(result.counts.map((c: { count: number }) => c.count), [1, 0]);
    assert.deepEqual(result.error, { name: 'FlattrError', status: 404, code: 'thing_not_found', isError: true });
    assert.deepEqual(result.stored, [`flattr:session:${api.url}`]);
  });

  it('the ESM entries import in the browser (no bare specifiers)', async () => {
    const result = await page.evaluate(async (baseUrl: string) => {
      const sdk = await import(`${location.origin}/dist/index.js`);
      const lite = await import(`${location.origin}/dist/lite.js`);
      const counts = lite.createCountsBatcher({ baseUrl });
      const session = JSON.parse(localStorage.getItem(`flattr:session:${baseUrl}`)!);
      const flattr = await lite.createFlattr({ baseUrl, token: session.accessToken }, { url: 'https://blog.example/in-browser' });
      return {
        sameErrorClass: sdk.FlattrError === lite.FlattrError,
        count: (await counts.get('https://blog.example/in-browser')).count,
        repeatStatus: flattr.status,
      };
    }, api.url);
    assert.deepEqual(result, { sameErrorClass: true, count: 1, repeatStatus: 200 });
  });
});

describe('the confirm-window flow in Chromium (siteToken.flattrOrConfirm)', () => {
  it('confirms in the service\'s window, keeps the one-click site token, then flattrs with it directly', async () => {
    const email = 'one-click@example.test';
    const password = 'correct horse battery staple';
    await new FlattrClient({ baseUrl: api.url }).auth.signup({ email, password, name: 'One Click' });

    const tab = await browser.newPage();
    await tab.goto(`${siteUrl}/`);
    await tab.evaluate((baseUrl: string) => {
      const client = new (window as any).FlattrSDK.FlattrClient({ baseUrl, storage: (window as any).FlattrSDK.localStorageAdapter() });
      (window as any).client = client;
      document.querySelector('#flattr')!.addEventListener('click', () => {
        (window as any).outcome = client.siteToken.flattrOrConfirm({ url: `${location.origin}/one`, title: 'One', creator: 'ada' })
          .then((r: unknown) => ({ ok: true, r }), (e: any) => ({ ok: false, code: e.code }));
      });
    }, api.url);

    // A real click (a user gesture) opens the confirm window on the service's origin.
    const popupTarget = browser.waitForTarget((t) => t.opener() === tab.target());
    await tab.click('#flattr');
    const popup = (await (await popupTarget).page())!;
    await popup.waitForSelector('input[name="password"]');
    await popup.type('input[name="email"]', email);
    await popup.type('input[name="password"]', password);
    await Promise.all([popup.waitForNavigation(), popup.click('button[type="submit"]')]);
    await popup.waitForSelector('input[name="oneClick"]');
    await popup.click('input[name="oneClick"]');
    await Promise.all([popup.waitForNavigation().catch(() => {}), popup.click('button.flattr')]);

    const outcome = await tab.evaluate(() => (window as any).outcome);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(outcome.r.count, 1);
    assert.match(outcome.r.siteToken, /^fsite_/);
    assert.equal(await tab.evaluate((key: string) => localStorage.getItem(key), `flattr:site-token:${api.url}`), outcome.r.siteToken);

    // The next click on this site needs no window: the site token, checked against this page's Origin.
    let opened = 0;
    const onTarget = (t: { opener(): unknown }) => { if (t.opener() === tab.target()) opened += 1; };
    browser.on('targetcreated', onTarget);
    const second = await tab.evaluate(() => (window as any).client.siteToken.flattrOrConfirm({ url: `${location.origin}/two`, title: 'Two' }));
    browser.off('targetcreated', onTarget);
    assert.equal(second.count, 1);
    assert.equal(opened, 0);
    await tab.close();
  });
});
