import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestUser } from '@flattr/server/testing';
import {
  buttonInState, buttonOf, flattrsOf, logInPopup, newContext, newReader, settledButton, siteTokensOf, startStage, viewOf, type Stage,
} from './harness.js';

const PLANE_IRON = 'https://workshop-notes.example/2026/plane-iron';

/**
 * A host page that wants to spend the reader's money without the reader's
 * gesture on the service. The reader is logged in on the service in this
 * browser (the most dangerous case); every route must leave the database
 * without a flattr.
 */
describe('a hostile page cannot flattr without the reader (end to end, Chromium)', () => {
  let stage: Stage;
  let reader: TestUser;
  let context: BrowserContext;
  let blog: Page;
  let sdkSource: string;

  const confirmUrl = () => `${stage.server.url}/widget/confirm?${new URLSearchParams({ url: PLANE_IRON, title: 'Sharpening a plane iron', creator: 'Robin', origin: stage.blog.url })}`;
  const noFlattrs = async () => assert.equal(await flattrsOf(stage.server.db, reader.email), 0, 'no flattr recorded');

  before(async () => {
    stage = await startStage({
      evilPages: ({ api, blog }) => ({
        // Navigated into the confirm window's slot, it pretends to be the window and reports success.
        '/fake-result.html': `<!doctype html><title>fake</title><script>
          for (const target of ['${blog}', '*']) opener && opener.postMessage({ type: 'flattr:result', ok: true, url: '${PLANE_IRON}', thingId: 'x', count: 99, period: '2099-01', flattrId: 'x' }, target);
        </script>`,
        '/csrf.html': `<!doctype html><title>csrf</title><form id="f" method="post" action="${api}/widget/confirm">
          <input name="url" value="${PLANE_IRON}"><input name="origin" value="${blog}"><input name="oneClick" value="1">
          </form><script>document.getElementById('f').submit();</script>`,
        '/frame.html': `<!doctype html><title>frame</title><iframe id="f" width="400" height="400"
          src="${api}/widget/confirm?url=${encodeURIComponent(PLANE_IRON)}&origin=${encodeURIComponent(blog)}"></iframe>`,
        '/blank.html': '<!doctype html><title>evil</title>',
      }),
    });
    const require = createRequire(import.meta.url);
    const sdkDist = path.join(path.dirname(require.resolve('@flattr/sdk/package.json')), 'dist', 'flattr-sdk.iife.js');
    sdkSource = await readFile(sdkDist, 'utf8').catch(() => {
      throw new Error(`${sdkDist} is missing: build the SDK first (npm run build -w @flattr/sdk)`);
    });
    reader = await newReader(stage.server);
    context = await newContext(stage);
    // The reader is logged in on the service: its session cookie is in this browser.
    const login = await context.newPage();
    await login.goto(`${stage.server.url}/account/login`);
    await login.getByLabel('Email').fill(reader.email);
    await login.getByLabel('Password').fill(reader.password);
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.waitForURL(/\/account$/);
    await login.close();
    blog = await context.newPage();
    await blog.goto(`${stage.blog.url}/`);
    for (let i = 0; i < 3; i++) await settledButton(blog, i);
  });
  after(async () => { await stage?.close(); });

  it('cannot call the API or the SDK without a token, even with the reader\'s cookies', async () => {
    await blog.addScriptTag({ content: sdkSource });
    const results = await blog.evaluate(async ({ api, url }) => {
      const [plain, withCookies] = await Promise.all((['omit', 'include'] as const).map((credentials) => fetch(`${api}/v1/flattrs`, {
        method: 'POST', credentials, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }),
      }).then((res) => String(res.status), (error) => error.name)));
      const sdk = (window as any).FlattrSDK;
      const viaSdk = await sdk.createFlattr({ baseUrl: api, token: '' }, { url }).then(() => 'created', (e: any) => `${e.name} ${e.status} ${e.code}`);
      return { plain, withCookies, viaSdk };
    }, { api: stage.server.url, url: PLANE_IRON });
    assert.equal(results.plain, '401');
    // The API never allows credentialed CORS, so the browser does not even send it.
    assert.equal(results.withCookies, 'TypeError');
    assert.match(results.viaSdk, /^FlattrError 401 /);
    await noFlattrs();
  });

  it('cannot flattr with forged tokens (site token, personal token, unsigned and self-signed JWTs)', async () => {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = { sub: reader.id, scope: 'flattr', iss: stage.server.url, aud: 'flattr-api', exp: Math.floor(Date.now() / 1000) + 600 };
    const forged = [
      `fsite_${randomBytes(32).toString('base64url')}`,
      `fpat_${randomBytes(32).toString('base64url')}`,
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`,
      `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: 'made-up' })}.${b64(claims)}.${randomBytes(64).toString('base64url')}`,
    ];
    const answers = await blog.evaluate(async ({ api, url, tokens }) => {
      const sdk = (window as any).FlattrSDK;
      const out: string[] = [];
      for (const token of tokens) {
        out.push(await sdk.createFlattr({ baseUrl: api, token }, { url }).then(() => 'created', (e: any) => `${e.status} ${e.code}`));
      }
      return out;
    }, { api: stage.server.url, url: PLANE_IRON, tokens: forged });
    for (const answer of answers) assert.match(answer, /^401 /);
    await noFlattrs();
  });

  it('cannot fake the window\'s result: messages from the page itself or from a foreign page in the window\'s place are ignored', async () => {
    const popupOpened = blog.waitForEvent('popup');
    await buttonOf(blog, 0).click();
    const popup = await popupOpened;
    await popup.getByRole('button', { name: 'Flattr', exact: true }).waitFor();

    await blog.evaluate(({ url }) => {
      window.postMessage({ type: 'flattr:result', ok: true, url, thingId: 'x', count: 99, period: '2099-01', flattrId: 'x', siteToken: 'fsite_fake' }, '*');
    }, { url: PLANE_IRON });
    // The page reaches the confirm window by its name and loads a foreign page into it that posts a "result" to the opener.
    await blog.evaluate(({ evil }) => { window.open(`${evil}/fake-result.html`, 'flattr-confirm'); }, { evil: stage.evil.url });
    await popup.waitForURL(/fake-result/);
    await blog.waitForTimeout(300);
    await popup.close();

    const view = await settledButton(blog, 0);
    assert.notEqual(view.state, 'flattred');
    assert.equal(view.pressed, 'false');
    assert.notEqual(view.count, '99');
    assert.equal(await blog.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flattr:')).length), 0, 'nothing remembered, no token stored');
    await noFlattrs();
  });

  it('cannot make the confirm window submit: messages to it are ignored and its document is out of reach', async () => {
    const popupOpened = blog.waitForEvent('popup');
    await buttonOf(blog, 1).click();
    const popup = await popupOpened;
    await popup.getByRole('button', { name: 'Flattr', exact: true }).waitFor();

    const attempts = await blog.evaluate(() => {
      const w = window.open('', 'flattr-confirm')!; // the same named window, not navigated
      for (const message of ['submit', 'flattr', { type: 'flattr:confirm' }, { type: 'flattr:submit', oneClick: true }, { action: 'click' }]) {
        w.postMessage(message, '*');
      }
      // Anonymous functions only: this body runs in the page, without the test's helpers.
      const tries: Array<[string, () => void]> = [
        ['click', () => (w.document.querySelector('button.flattr') as HTMLButtonElement).click()],
        ['dispatch', () => { w.document.querySelector('button.flattr')!.dispatchEvent(new MouseEvent('click', { bubbles: true })); }],
        ['submit', () => w.document.forms[0]!.submit()],
        ['eval', () => (w as any).eval('document.forms[0].submit()')],
      ];
      const outcome: Record<string, string> = {};
      for (const [name, f] of tries) {
        try {
          f();
          outcome[name] = 'no error';
        } catch (error) {
          outcome[name] = (error as Error).name;
        }
      }
      return outcome;
    });
    assert.deepEqual(attempts, { click: 'SecurityError', dispatch: 'SecurityError', submit: 'SecurityError', eval: 'SecurityError' });
    await blog.waitForTimeout(300);
    assert.match(popup.url(), /\/widget\/confirm\?/, 'the window still shows the question');
    await popup.close();
    await noFlattrs();
  });

  it('cannot turn a synthetic click on a button into a flattr', async () => {
    let popup: Page | undefined;
    blog.once('popup', (p) => { popup = p; });
    await blog.evaluate(() => {
      const el = document.querySelectorAll('flattr-button')[2]!;
      el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
      (el.shadowRoot!.querySelector('button') as HTMLButtonElement).click();
    });
    await blog.waitForTimeout(500);
    // Without a user gesture Chromium blocks the window; were it opened, it would still wait for the reader.
    if (popup) assert.match(popup.url(), /\/widget\/confirm\?|about:blank/);
    await popup?.close();
    assert.notEqual((await viewOf(blog, 2)).state, 'flattred');
    await noFlattrs();
  });

  it('cannot post the confirm form from another site without the session\'s CSRF token', async () => {
    const page = await context.newPage();
    await page.goto(`${stage.evil.url}/csrf.html`);
    await page.waitForURL(/\/widget\/confirm$/);
    assert.match(await page.content(), /csrf_failed/);
    await page.goto(`${stage.evil.url}/blank.html`);
    const blind = await page.evaluate(async ({ api, url, origin }) => {
      const res = await fetch(`${api}/widget/confirm`, {
        method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ url, origin, _csrf: 'guess' }),
      });
      return res.type;
    }, { api: stage.server.url, url: PLANE_IRON, origin: stage.blog.url });
    assert.equal(blind, 'opaque');
    await page.close();
    await noFlattrs();
    assert.deepEqual(await siteTokensOf(stage.server.db, reader.email), []);
  });

  it('cannot frame the confirm window (frame-ancestors \'none\')', async () => {
    const page = await context.newPage();
    const refusals: string[] = [];
    page.on('console', (m) => { if (/frame-ancestors|Refused to (display|frame)/.test(m.text())) refusals.push(m.text()); });
    await page.goto(`${stage.evil.url}/frame.html`);
    await page.waitForTimeout(300);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(frame);
    const buttons = await frame.locator('button').count().catch(() => 0);
    assert.equal(buttons, 0, 'the framed page shows no button');
    assert.ok(refusals.length > 0, 'Chromium reports the refused frame');
    await page.close();
    await noFlattrs();
  });

  it('cannot use a site token on another origin than the one the reader allowed', async () => {
    // A second reader allows one click on the blog…
    const owner = await newReader(stage.server);
    const ownerContext = await newContext(stage);
    const ownBlog = await ownerContext.newPage();
    await ownBlog.goto(`${stage.blog.url}/`);
    await settledButton(ownBlog, 0);
    const popupOpened = ownBlog.waitForEvent('popup');
    await buttonOf(ownBlog, 0).click();
    const popup = await popupOpened;
    await logInPopup(popup, owner);
    await popup.getByLabel(/One click on this site/).check();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
    await closed;
    await buttonInState(ownBlog, 0, 'flattred');
    const stolen = await ownBlog.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('flattr:site-token:'))?.[1]);
    assert.match(stolen ?? '', /^fsite_/);

    // …and another site that got hold of the token tries it.
    const evil = await ownerContext.newPage();
    await evil.goto(`${stage.evil.url}/blank.html`);
    await evil.addScriptTag({ content: sdkSource });
    const answer = await evil.evaluate(async ({ api, token }) => (window as any).FlattrSDK
      .createFlattr({ baseUrl: api, token }, { url: 'https://evil.example/steal' })
      .then(() => 'created', (e: any) => `${e.status} ${e.code}`), { api: stage.server.url, token: stolen! });
    assert.equal(answer, '403 origin_mismatch');
    assert.equal(await flattrsOf(stage.server.db, owner.email), 1, 'only the reader\'s own confirmed flattr');
    await ownerContext.close();
  });
});
