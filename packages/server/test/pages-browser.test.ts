import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD, DEMO_READER } from '../src/demo-sites/index.js';
import { runs } from '../src/distribution/index.js';
import {
  DEMO_PAGES, DEMO_VIEWER_EMAILS, deliverStripeEvent, livedInDemo, livedInDemoEnv, startStripeMock, startTestServer, stripeEvent,
  type DemoViewer, type LivedInDemo, type StripeMock, type TestServer,
} from '../src/testing/index.js';
import { axeViolations, launchChromium, logInWith } from './helpers/browser.js';

type Role = DemoViewer;

describe('the pages in Chromium', () => {
  let server: TestServer;
  let stripe: StripeMock;
  let browser: Browser;
  let demo: LivedInDemo;
  const contexts = new Map<Role, BrowserContext>();

  before(async () => {
    stripe = await startStripeMock();
    server = await startTestServer({ env: livedInDemoEnv(stripe.url) });
    server.clock.set('2026-11-12T10:00:00Z');
    demo = await livedInDemo(server);
    browser = await launchChromium();
    contexts.set('anonymous', await browser.newContext());
    for (const [role, email] of Object.entries(DEMO_VIEWER_EMAILS) as Array<[Role, string]>) {
      const context = await browser.newContext();
      await logInWith(await context.newPage(), server.url, email, DEMO_PASSWORD);
      contexts.set(role, context);
    }
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await stripe?.stop();
  });

  /** Opens a page and waits for its Flattr buttons (if any) to settle. */
  async function open(role: Role, path: string, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; problems: string[] }> {
    const page = await contexts.get(role)!.newPage();
    const problems: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.emulateMedia({ colorScheme });
    const res = await page.goto(`${server.url}${path}`);
    assert.equal(res?.status(), 200, `${path} as ${role}`);
    // Buttons far below the fold keep `loading` until they come near (by design): wait for the element to be defined.
    await page.waitForFunction(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> } }).document;
      return Array.from(doc.querySelectorAll('flattr-button')).every((el) => el.getAttribute('state') !== null);
    }, undefined, { timeout: 10_000 });
    return { page, problems };
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no axe violation and no CSP or script error on any page (${colorScheme})`, async () => {
      const failures: string[] = [];
      for (const spec of DEMO_PAGES) {
        const { page, problems } = await open(spec.viewer, spec.path(demo), colorScheme);
        for (const v of await axeViolations(page)) failures.push(`${spec.name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.slice(0, 3).join(' ')}`);
        for (const problem of problems) failures.push(`${spec.name}: console: ${problem}`);
        await page.close();
      }
      assert.deepEqual(failures, []);
    });
  }

  describe('with JavaScript off', () => {
    let context: BrowserContext;
    before(async () => {
      context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      // The login form is a plain form: it works without JavaScript too.
      await page.goto(`${server.url}/account/login?next=%2Faccount`);
      await page.getByLabel('Email').fill(DEMO_READER.email);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await Promise.all([page.waitForURL(/\/account$/), page.getByRole('button', { name: 'Log in' }).click()]);
    });
    after(async () => { await context?.close(); });

    it('flattrs from a thing\'s page through the plain link inside its button and is back on it, then withdraws it on /account', async () => {
      const page = await context.newPage();
      const thingPage = `${server.url}/things?url=${encodeURIComponent('https://no-script.example/page')}`;
      await page.goto(thingPage);
      await page.locator('flattr-button a').click();
      await page.waitForURL(/\/widget\/confirm/);
      assert.equal(new URL(page.url()).searchParams.get('return'), thingPage, 'the /flattr link came back to the page it was on');
      await page.getByRole('button', { name: 'Flattr', exact: true }).click();
      // Back on the page, which now has the thing (the by-URL page sends on to /things/:id) with its first flattr.
      await page.waitForURL(/\/things\/[0-9a-f]{24}$/);
      assert.equal(await page.locator('[data-figure="flattr-count"]').textContent(), '1');
      const thing = await server.db.collection('things').findOne({ url: 'https://no-script.example/page' });
      assert.ok(thing, 'the first flattr created the thing');
      const flattr = await server.db.collection('flattrs').findOne({ thingId: thing._id });
      assert.ok(flattr, 'and recorded the flattr');

      await page.goto(`${server.url}/account`);
      await page.getByRole('button', { name: 'Withdraw your flattr of no-script.example/page' }).click();
      await page.waitForURL(/done=withdrawn/);
      assert.equal(await server.db.collection('flattrs').countDocuments({ _id: flattr!._id }), 0);
    });

    it('tops up and updates the button code with plain forms', async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/account`);
      const before = await page.locator('[data-figure="available"]').getAttribute('data-amount');
      await page.getByLabel(/Amount/).fill('2.50');
      await page.getByRole('button', { name: 'Add play money (demo)' }).click();
      await page.waitForURL(/done=topup/);
      assert.equal(Number(await page.locator('[data-figure="available"]').getAttribute('data-amount')), Number(before) + 250);

      await page.goto(`${server.url}/creator`);
      await page.getByLabel('Address of the page').fill('https://blog.example/no-js');
      await page.getByLabel('Compact').check();
      await page.getByRole('button', { name: 'Update' }).click();
      await page.waitForURL(/size=compact/);
      assert.match(await page.locator('#snippet-element').inputValue(), /^<flattr-button url="https:\/\/blog\.example\/no-js" size="compact" show-count>/);
      assert.equal(await page.getByRole('button', { name: 'Copy' }).count(), 0, 'no Copy button that cannot work');
    });
  });

  describe('with JavaScript, enhanced', () => {
    it('updates the button preview and snippets as options change, and copies a snippet', async () => {
      const context = contexts.get('creator')!;
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      const { page } = await open('creator', '/creator');
      await page.getByLabel('Address of the page').fill('https://blog.example/live');
      await page.getByLabel('Dark', { exact: true }).check();
      await page.locator('select[name="buttonLang"]').selectOption('fr');
      await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { value: string } } }).document.getElementById('snippet-element').value.includes('lang="fr"'));
      const preview = page.locator('#button-preview flattr-button');
      assert.equal(await preview.getAttribute('url'), 'https://blog.example/live');
      assert.equal(await preview.getAttribute('lang'), 'fr');
      assert.equal(await page.locator('#button-preview').getAttribute('data-theme'), 'dark');
      assert.equal(page.url(), `${server.url}/creator`, 'no navigation');
      await page.locator('button.copy[data-copy="snippet-element"]').click();
      await page.getByText('Copied.').waitFor();
      const copied = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
      assert.equal(copied, await page.locator('#snippet-element').inputValue());
      await page.close();
    });

    it('sends a card top-up to Stripe Checkout (the CSP lets the form follow the redirect), then shows the credited payment on /account', async () => {
      const { page, problems } = await open('reader', '/account');
      const before = Number(await page.locator('[data-figure="available"]').getAttribute('data-amount'));
      await page.getByLabel(/Amount/).fill('12.50');
      const toStripe = page.waitForEvent('request', (r) => r.url().startsWith('https://checkout.stripe.com/'));
      await page.getByRole('button', { name: 'Pay by card (Stripe)' }).click();
      await toStripe;
      assert.deepEqual(problems.filter((p) => /Content Security Policy|form-action/i.test(p)), [], 'no CSP refusal of the redirect');
      const session = [...stripe.calls].reverse().find((c) => c.path === '/v1/checkout/sessions')!;
      assert.equal(session.params['line_items[0][price_data][unit_amount]'], '1250');
      const reader = session.params['client_reference_id']!;
      const webhook = await deliverStripeEvent(server.url, stripeEvent('checkout.session.completed', {
        id: session.response.id, object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete', amount_total: 1250,
        currency: 'eur', payment_intent: 'pi_browser_topup', client_reference_id: reader, metadata: { flattrUserId: reader },
      }));
      assert.equal(webhook.status, 200);
      // Where Stripe sends the reader back: in a new tab of the same browser (the first tab's
      // navigation to checkout.stripe.com, mapped to a closed port, ends in Chromium's error page
      // at a moment of its own, and would interrupt a navigation started in that tab meanwhile).
      const back = await page.context().newPage();
      await back.goto(session.params['success_url']!.replace('{CHECKOUT_SESSION_ID}', session.response.id));
      await back.getByText('Thank you: €12.50 is in your account.').waitFor();
      assert.equal(Number(await back.locator('[data-figure="available"]').getAttribute('data-amount')), before + 1250);
      await back.close();
      await page.close();
    });

    it('follows a running distribution live, then shows the finished run', async () => {
      const period = '2024-06';
      await runs(server.db).insertOne({
        _id: period, status: 'running', stage: 'snapshot', runId: 'browser', owner: { host: 'elsewhere', pid: 1 }, heartbeatAt: new Date(),
        startedAt: new Date(), finishedAt: null, snapshotAt: null, feeBps: 1000, unclaimedMonths: 6, currency: 'EUR',
        checkpoint: { snapshotUserId: null, readerId: null, escrowId: null },
        progress: { readersDone: 0, clicksDone: 0, clicksTotal: 0, usersSnapshotted: 0, fundsDone: 0, accountsCredited: 0, escrowDone: 0 },
        totals: { readers: 0, payingReaders: 0, clicks: 0, things: 0, contributed: 0, fees: 0, toCreators: 0, toEscrow: 0, returned: 0, returnedCount: 0, releasedLate: 0, releasedLateCount: 0 },
        ledgerBefore: null, ledgerAfter: null, stageTimes: {}, resumes: 0, error: null,
      } as never);
      const { page } = await open('admin', `/admin/distributions/${period}`);
      let navigations = 0;
      page.on('framenavigated', () => { navigations += 1; });
      await runs(server.db).updateOne({ _id: period }, { $set: { stage: 'write', 'progress.readersDone': 4321, 'totals.contributed': 98765 } });
      await page.locator('[data-run-field="readersDone"]', { hasText: '4,321' }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('[data-run-field="contributed"]').textContent(), '€987.65');
      assert.equal(await page.locator('li[data-stage="write"]').getAttribute('aria-current'), 'step');
      assert.equal(navigations, 0, 'updated in place');
      await runs(server.db).updateOne({ _id: period }, { $set: { status: 'done', stage: 'done', finishedAt: new Date() } });
      await page.locator('[data-run-field="status"]', { hasText: 'done' }).waitFor({ timeout: 10_000 });
      await page.waitForLoadState('load');
      assert.equal(await page.locator('script[src$="distribution-progress.js"]').count(), 0, 'the finished run is shown as a finished page');
      await runs(server.db).deleteOne({ _id: period });
      await page.close();
    });
  });

  it('shows a thing\'s count as the database has it, beside a working Flattr button', async () => {
    const { page } = await open('reader', `/things/${demo.thingId}`);
    const flattrs = await server.db.collection('flattrs').countDocuments({ thingId: new ObjectId(demo.thingId) });
    assert.equal(await page.locator('[data-figure="flattr-count"]').textContent(), String(flattrs));
    assert.equal(await page.locator('flattr-button').getAttribute('state'), 'ready');
    await page.close();
  });
});
