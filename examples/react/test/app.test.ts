/**
 * The React example, built with Vite against the real service (VITE_FLATTR_API), served by `vite preview`
 * and driven in Chromium: the reader signs in on the dashboard (SDK), sets a budget, flattrs a post with the
 * <FlattrButton> component through the service's confirm window, sees it in this month's flattrs, withdraws it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, preview, type PreviewServer } from 'vite';
import type { Browser } from 'playwright-core';
import { createAdmin, signup, startTestServer, testClient, type TestServer, type TestUser } from '@flattr/server/testing';
import { launchChromium, logInPopup } from '../../../packages/widget/e2e/harness.js';

const root = path.resolve(import.meta.dirname, '..');

describe('examples/react: built by Vite, in Chromium, against the real service', () => {
  let server: TestServer;
  let app: PreviewServer;
  let appUrl: string;
  let outDir: string;
  let browser: Browser;
  let reader: TestUser;

  before(async () => {
    server = await startTestServer();
    outDir = await mkdtemp(path.join(tmpdir(), 'flattr-react-'));
    process.env.VITE_FLATTR_API = server.url;
    await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    app = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: true } });
    // Another site than the service (127.0.0.1), as a real app would be.
    appUrl = `http://localhost:${new URL(app.resolvedUrls!.local[0]!).port}`;
    browser = await launchChromium();

    const api = testClient(server.url);
    reader = await signup(api, { name: 'Ada' });
    const admin = await createAdmin(server, api);
    const deposit = await api.post('/v1/admin/deposits', { userId: reader.id, amount: 1000, reference: 'react-example-1' }, { token: admin.token });
    assert.equal(deposit.status, 201, deposit.text);
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (app ? app.httpServer.close(() => resolve()) : resolve()));
    if (outDir) await rm(outDir, { recursive: true, force: true });
    await server?.close();
  });

  it('the built app points at the service it was built for', async () => {
    const html = await (await fetch(`${appUrl}/`)).text();
    const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
    assert.ok(script, html);
    assert.ok((await (await fetch(`${appUrl}${script}`)).text()).includes(server.url));
  });

  it('a reader signs in, sets a budget, flattrs a post with <FlattrButton>, sees it listed and withdraws it', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${appUrl}/`);

    // Dashboard (SDK): email and password.
    await page.getByLabel('Email').fill(reader.email);
    await page.getByLabel('Password').fill(reader.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Signed in as Ada').waitFor();
    assert.equal(await page.getByTestId('balance').textContent(), '€10.00');
    await page.getByLabel('New monthly budget (EUR)').fill('5.50');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByTestId('budget').filter({ hasText: '€5.50' }).waitFor();
    assert.equal((await testClient(server.url).get('/v1/me', { token: reader.token })).body.budget, 550);
    await page.getByText('None yet: click a Flattr button.').waitFor();

    // The button (widget): the reader confirms on the service's origin, where they log in once more.
    const button = page.locator('flattr-button').first();
    await button.and(page.locator('[state="ready"]')).waitFor();
    const popupOpened = page.waitForEvent('popup');
    await button.locator('button').first().click();
    const popup = await popupOpened;
    await logInPopup(popup, reader);
    await popup.getByRole('heading', { name: 'Flattr Sharpening a plane iron by Robin?' }).waitFor();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
    await closed;

    // onFlattrSuccess (typed detail) → the note, and the dashboard reads the list again.
    await page.getByRole('status').filter({ hasText: 'Thank you! 1 flattr so far.' }).waitFor();
    const listed = page.getByRole('list', { name: "This month's flattrs" }).getByRole('link', { name: 'Sharpening a plane iron' });
    await listed.waitFor();
    assert.equal(await server.db.collection('flattrs').countDocuments({}), 1);

    await page.getByRole('button', { name: 'Withdraw Sharpening a plane iron' }).click();
    await page.getByText('None yet: click a Flattr button.').waitFor();
    assert.equal(await server.db.collection('flattrs').countDocuments({}), 0, 'withdrawn on the service');

    // The session is kept in localStorage: a reload is still signed in.
    await page.reload();
    await page.getByText('Signed in as Ada').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
