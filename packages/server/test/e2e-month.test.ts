/**
 * The whole month in Chromium against `npm start`'s own entry point
 * (scripts/start-dev.mjs: demo mode, seeded demo, on a free port), with a
 * creator's site on another loopback port. Every figure a page shows is
 * compared with the ledger (the journal and the cached balances).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_ADMIN, DEMO_PASSWORD } from '../src/demo-sites/index.js';
import { earningsOf } from '../src/earnings/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { startLocalDatabase, type LocalDatabase } from '../src/localdb/index.js';
import { accounts, balanceOf, JOURNAL, type JournalEntry } from '../src/money/index.js';
import { launchChromium } from './helpers/browser.js';

const ENTRY_POINT = path.resolve(import.meta.dirname, '..', 'scripts', 'start-dev.mjs');

interface Site {
  origin: string;
  pages: Map<string, string>;
  close(): Promise<void>;
}

/** The creator's own web site: whatever pages the test puts there. */
async function startSite(): Promise<Site> {
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const body = pages.get(req.url ?? '');
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': req.url?.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pages,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `npm start`'s entry point on a free port with a database of its own; resolves with its URL. */
async function startService(uri: string, dbName: string): Promise<{ url: string; child: ChildProcess; output: string[] }> {
  const output: string[] = [];
  const child = spawn(process.execPath, [ENTRY_POINT], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MONGODB_URI: uri, MONGODB_DB: dbName, FLATTR_FRESH: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output.join('')}`)), 60_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /Flattr is running: (http:\/\/\S+?)\/\s/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('')}`)));
  });
  return { url, child, output };
}

describe('a month end to end in Chromium, against npm start', () => {
  let local: LocalDatabase | undefined;
  let client: MongoClient;
  let db: Db;
  let service: Awaited<ReturnType<typeof startService>>;
  let site: Site;
  let browser: Browser;
  const dbName = `e2e_${randomBytes(6).toString('hex')}`;
  const creator = { name: 'Casey Creator', email: `casey-${randomBytes(3).toString('hex')}@example.test`, password: 'a creator password' };
  const reader = { name: 'Riley Reader', email: `riley-${randomBytes(3).toString('hex')}@example.test`, password: 'a reader password' };
  let creatorPage: Page;
  let readerPage: Page;
  let creatorId: string;
  let readerId: string;
  let period: string;

  before(async () => {
    let uri = process.env.MONGODB_URI;
    if (!uri) {
      local = await startLocalDatabase();
      uri = local.uri;
    }
    client = await MongoClient.connect(uri);
    db = client.db(dbName);
    site = await startSite();
    service = await startService(uri, dbName);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (service?.child.exitCode === null) {
      const exited = new Promise((resolve) => service.child.once('exit', resolve));
      service.child.kill('SIGTERM');
      await exited;
    }
    await site?.close();
    await db?.dropDatabase().catch(() => {});
    await client?.close();
    await local?.stop();
  });

  const userId = async (email: string) => (await db.collection('users').findOne({ email }))!._id.toHexString();
  const amountOf = async (page: Page, selector: string) => Number(await page.locator(selector).first().getAttribute('data-amount'));

  async function signUp(context: BrowserContext, who: typeof creator, next: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${service.url}/account/signup?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Name').fill(who.name);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await Promise.all([page.waitForURL(`${service.url}${next}`), page.getByRole('button', { name: 'Sign up' }).click()]);
    return page;
  }

  it('a creator signs up, adds a site, is told why the check fails, verifies it, and pastes the generated snippet into a page', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url });
    creatorPage = await signUp(context, creator, '/creator');
    creatorId = await userId(creator.email);
    // npm start has no SMTP server: the confirmation email is in the dev outbox, as its log says.
    // Payouts need a confirmed address, so the creator confirms theirs as a newcomer would.
    assert.match((await creatorPage.locator('main').textContent()) ?? '', /confirm/i, '/creator asks to confirm the address first');
    const mail = await context.newPage();
    await mail.goto(`${service.url}/dev/mail`);
    await mail.locator('li', { hasText: creator.email }).getByRole('link', { name: 'Confirm your email address' }).click();
    await mail.locator('a[href*="/account/verify?token="]').first().click();
    await Promise.all([mail.waitForURL(`${service.url}/account/verify`), mail.getByRole('button', { name: 'Confirm my address' }).click()]);
    await mail.getByText(`Thank you: ${creator.email} is confirmed.`).waitFor();
    await mail.close();
    assert.ok((await db.collection('users').findOne({ email: creator.email }))?.emailVerifiedAt instanceof Date, 'the address is confirmed');
    await creatorPage.reload();
    await creatorPage.getByLabel('Site address').fill(site.origin);
    await Promise.all([creatorPage.waitForURL(/done=site-added/), creatorPage.getByRole('button', { name: 'Add site' }).click()]);

    await creatorPage.getByRole('button', { name: `Check now whether ${site.origin} holds the proof` }).click();
    await creatorPage.getByText('neither the file nor the tag was found on the site').waitFor();
    const proof = await creatorPage.locator('article.site pre').first().textContent();
    assert.equal(proof, `${creatorId}\n`, 'the file to place holds the creator\'s id');
    site.pages.set('/.well-known/flattr', proof!);
    await Promise.all([creatorPage.waitForURL(/done=verified/), creatorPage.getByRole('button', { name: `Check now whether ${site.origin} holds the proof` }).click()]);
    await creatorPage.locator('article.site .badge.ok').waitFor();

    await creatorPage.getByLabel('Address of the page').fill(`${site.origin}/post.html`);
    await creatorPage.getByLabel('Title').fill('Casey’s first post');
    await creatorPage.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { value: string } } }).document
      .getElementById('snippet-script').value.includes('first post'));
    await creatorPage.locator('button.copy[data-copy="snippet-script"]').click();
    await creatorPage.getByText('Copied.').first().waitFor();
    const snippet = await creatorPage.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    assert.ok(snippet.startsWith(`<script async src="${service.url}/widget/flattr.js" data-api="${service.url}"></script>`), snippet);
    site.pages.set('/post.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Casey’s first post</title></head>
<body><h1>Casey’s first post</h1><p>Words.</p>${snippet}</body></html>`);
  });

  it('a reader signs up, tops up with the demo provider, sets a budget, flattrs on the creator\'s page and on a demo blog, and withdraws one', async () => {
    const context = await browser.newContext();
    readerPage = await signUp(context, reader, '/account');
    readerId = await userId(reader.email);
    await readerPage.getByLabel(/Amount/).fill('20');
    await Promise.all([readerPage.waitForURL(/done=topup/), readerPage.getByRole('button', { name: 'Add play money (demo)' }).click()]);
    assert.equal(await amountOf(readerPage, '[data-figure="available"]'), 2000);
    assert.equal(await balanceOf(db, accounts.user(readerId)), 2000);

    await readerPage.goto(`${service.url}/settings`);
    await readerPage.getByLabel(/Budget per month/).fill('6');
    await Promise.all([readerPage.waitForURL(/done=budget/), readerPage.getByRole('button', { name: 'Save budget' }).click()]);

    for (const url of [`${site.origin}/post.html`, `${service.url.replace('127.0.0.1', 'ada.localhost')}/posts/sharpening`]) {
      const blog = await context.newPage();
      await blog.goto(url);
      const button = blog.locator('flattr-button').first().getByRole('button');
      await blog.locator('flattr-button[state="ready"]').first().waitFor();
      const popupOpened = blog.waitForEvent('popup');
      await button.click();
      const popup = await popupOpened;
      const closed = popup.waitForEvent('close');
      await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
      await closed;
      await blog.locator('flattr-button[state="flattred"]').first().waitFor();
      await blog.close();
    }
    const thing = (await db.collection('things').findOne({ url: `${site.origin}/post.html` }))!;
    assert.equal(thing.ownerId?.toHexString(), creatorId, 'the first click created the thing, owned by the verified creator');

    await readerPage.goto(`${service.url}/account`);
    await Promise.all([readerPage.waitForURL(/done=withdrawn/), readerPage.getByRole('button', { name: 'Withdraw your flattr of Sharpening a plane iron' }).click()]);
    assert.equal(await db.collection('flattrs').countDocuments({ readerId: new ObjectId(readerId) }), 1);
    const row = readerPage.locator(`tr[data-thing="${thing._id.toHexString()}"]`);
    assert.equal(await amountOf(readerPage, `tr[data-thing="${thing._id.toHexString()}"] [data-col="share"] .money`), 600, 'the whole budget to the one thing left');
    assert.equal(await amountOf(readerPage, `tr[data-thing="${thing._id.toHexString()}"] [data-col="to-creator"] .money`), 540);
    assert.ok(await row.isVisible());
  });

  it('the demo month ends: the reader sees where the money went, as the journal has it', async () => {
    const end = readerPage.getByRole('button', { name: /^End .* now$/ });
    period = (await readerPage.locator('input[name="period"]').inputValue());
    await Promise.all([readerPage.waitForURL(/done=month-ended/), end.click()]);
    const entry = (await db.collection<JournalEntry>(JOURNAL).findOne({ _id: `dist:${period}:${readerId}` }))!;
    assert.equal(Number(entry.meta!.contribution), 600);
    assert.equal(await amountOf(readerPage, `[data-figure="contribution-${period}"]`), 600);
    assert.equal(await amountOf(readerPage, '[data-figure="available"]'), await balanceOf(db, accounts.user(readerId)));
    assert.equal(await balanceOf(db, accounts.user(readerId)), 1400);
    assert.ok(await db.collection<JournalEntry>(JOURNAL).findOne({ _id: `demo.clock:${period}` }), 'the journal records the moved clock');
  });

  it('the creator sees exactly the earnings the ledger holds and asks for a payout', async () => {
    await creatorPage.goto(`${service.url}/creator`);
    const earnings = await earningsOf({ db, config: { currency: 'EUR' } } as never, creatorId);
    const credited = await db.collection<JournalEntry>(JOURNAL).find({ kind: 'distribution', 'postings.account': accounts.user(creatorId) }).toArray();
    const net = credited.reduce((sum, e) => sum + e.postings.find((p) => p.account === accounts.user(creatorId))!.amount, 0);
    assert.equal(net, 540);
    assert.equal(earnings.totals.net, net);
    assert.equal(await amountOf(creatorPage, '[data-figure="earnings-net"]'), net);
    assert.equal(await amountOf(creatorPage, '[data-figure="earnings-fee"]'), 60);
    assert.equal(await amountOf(creatorPage, '[data-figure="payout-available"]'), await balanceOf(db, accounts.user(creatorId)));
    await Promise.all([creatorPage.waitForURL(/done=payout/), creatorPage.getByRole('button', { name: 'Request payout' }).click()]);
    assert.equal(await balanceOf(db, accounts.user(creatorId)), 0);
    const payout = await db.collection('payouts').findOne({ userId: new ObjectId(creatorId) });
    assert.equal(payout?.amount, 540);
  });

  it('the admin sees the run as the ledger has it and marks the payout paid', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${service.url}/account/login?next=%2Fadmin`);
    await page.getByLabel('Email').fill(DEMO_ADMIN.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await Promise.all([page.waitForURL(`${service.url}/admin`), page.getByRole('button', { name: 'Log in' }).click()]);

    await page.goto(`${service.url}/admin/distributions/${period}`);
    const run = (await db.collection('distributions').findOne({ _id: period as never }))!;
    assert.equal(run.status, 'done');
    for (const [figure, value] of [['run-contributed', run.totals.contributed], ['run-fees', run.totals.fees], ['run-toCreators', run.totals.toCreators]] as const) {
      assert.equal(await amountOf(page, `[data-figure="${figure}"]`), value, figure);
    }
    assert.deepEqual([run.totals.contributed, run.totals.fees, run.totals.toCreators], [600, 60, 540]);
    assert.equal(await page.locator('#ledger-after [data-ok="true"]').count(), 1);

    await page.goto(`${service.url}/admin`);
    const payout = (await db.collection('payouts').findOne({ userId: new ObjectId(creatorId) }))!;
    const row = page.locator(`tr[data-payout="${payout._id.toHexString()}"]`);
    assert.equal(Number(await row.locator('.money').getAttribute('data-amount')), 540);
    await row.getByLabel(`Transfer reference of the payout to ${creator.email}`).fill('SEPA-2026-0001');
    await Promise.all([page.waitForURL(/done=paid/), row.getByRole('button', { name: 'Paid' }).click()]);
    const paid = await db.collection('payouts').findOne({ _id: payout._id });
    assert.equal(paid?.status, 'paid');
    assert.ok(await db.collection<JournalEntry>(JOURNAL).findOne({ _id: `payout.paid:${payout._id.toHexString()}` }));

    await Promise.all([page.waitForURL(`${service.url}/admin/ledger/verify`), page.getByRole('button', { name: 'Check the ledger now' }).click()]);
    assert.equal(await page.locator('#ledger-report').getAttribute('data-ok'), 'true');
    assert.equal((await verifyLedger({ db })).ok, true);

    await creatorPage.goto(`${service.url}/creator`);
    assert.match(await creatorPage.locator(`tr[data-payout="${payout._id.toHexString()}"] [data-col="status"]`).textContent() ?? '', /^paid /);
  });
});
