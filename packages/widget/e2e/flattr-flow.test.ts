import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { testClient } from '@flattr/server/testing';
import {
  buttonInState, buttonOf, flattrsOf, logInPopup, newContext, newReader, settledButton, signUpPopup, siteTokensOf, startStage, viewOf, type Stage,
} from './harness.js';

describe('a reader flattrs on a blog (end to end, Chromium)', () => {
  let stage: Stage;
  before(async () => { stage = await startStage(); });
  after(async () => { await stage?.close(); });

  async function openBlog(page: Page): Promise<void> {
    await page.goto(`${stage.blog.url}/`);
    for (let i = 0; i < 3; i++) await settledButton(page, i);
  }

  it('clicks, signs up in the confirm window, flattrs; the count updates on the page and a reload shows "flattred"', async () => {
    const context = await newContext(stage);
    const page = await context.newPage();
    await openBlog(page);
    const before = await viewOf(page, 0);
    assert.equal(before.state, 'ready');
    assert.equal(before.pressed, 'false');
    assert.equal(before.count, '0');

    const popupOpened = page.waitForEvent('popup');
    await buttonOf(page, 0).click();
    const popup = await popupOpened;
    assert.equal(new URL(popup.url()).origin, stage.server.url, 'the window is on the service\'s origin');
    const reader = { email: `new-${randomBytes(4).toString('hex')}@example.test`, password: 'a long enough password', name: 'New Reader' };
    await signUpPopup(popup, reader);
    await popup.getByRole('heading', { name: /Flattr .*Sharpening a plane iron.* by Robin\?/ }).waitFor();
    assert.ok(await popup.getByText(stage.blog.url, { exact: false }).first().isVisible(), 'the window names the asking site');
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
    await closed;

    const after = await buttonInState(page, 0, 'flattred');
    assert.equal(after.pressed, 'true');
    assert.equal(after.count, '1');
    assert.equal(await flattrsOf(stage.server.db, reader.email), 1);
    assert.equal((await viewOf(page, 1)).state, 'ready', 'the other buttons are untouched');

    await page.reload();
    const reloaded = await settledButton(page, 0);
    assert.equal(reloaded.state, 'flattred');
    assert.equal(reloaded.pressed, 'true');
    // The count may come from the browser's HTTP cache (counts are `max-age=30`), so it is not asserted here.
    await context.close();
  });

  it('works with the keyboard only: Tab to the button, Enter, log in and confirm with keys in the window', async () => {
    const reader = await newReader(stage.server);
    const context = await newContext(stage);
    const page = await context.newPage();
    await openBlog(page);

    // Tab until the second button has focus (the first is inside the first post).
    let focused = '';
    const second = `${stage.blog.url}/2026/one-board-bench`;
    for (let i = 0; i < 20 && focused !== second; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => {
        const el = document.activeElement;
        return el?.tagName === 'FLATTR-BUTTON' && el.shadowRoot?.activeElement?.tagName === 'BUTTON' ? el.getAttribute('url') ?? '' : '';
      });
    }
    assert.equal(focused, second);
    const popupOpened = page.waitForEvent('popup');
    await page.keyboard.press('Enter');
    const popup = await popupOpened;

    await popup.waitForURL(/\/account\/login/);
    await tabTo(popup, 'input[name="email"]');
    await popup.keyboard.type(reader.email);
    await popup.keyboard.press('Tab');
    await popup.keyboard.type(reader.password);
    await popup.keyboard.press('Enter');
    await popup.waitForURL(/\/widget\/confirm/);
    await popup.getByRole('button', { name: 'Flattr', exact: true }).waitFor();
    assert.equal(await popup.evaluate(() => document.activeElement?.textContent), 'Flattr', 'the Flattr button has focus on arrival');
    const closed = popup.waitForEvent('close');
    await popup.keyboard.press('Space');
    await closed;

    const after = await buttonInState(page, 1, 'flattred');
    assert.equal(after.pressed, 'true');
    assert.equal(after.count, '1');
    assert.equal(await flattrsOf(stage.server.db, reader.email), 1);
    await context.close();
  });

  it('with "one click on this site" ticked, the next button flattrs at once without a window', async () => {
    const reader = await newReader(stage.server);
    const context = await newContext(stage);
    const page = await context.newPage();
    await openBlog(page);

    const popupOpened = page.waitForEvent('popup');
    await buttonOf(page, 2).click();
    const popup = await popupOpened;
    await logInPopup(popup, reader);
    await popup.getByLabel(`One click on this site (${stage.blog.url})`).check();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
    await closed;
    await buttonInState(page, 2, 'flattred');

    const tokens = await siteTokensOf(stage.server.db, reader.email);
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]!.origin, stage.blog.url, 'the token is bound to the blog\'s origin');

    let popups = 0;
    page.on('popup', () => { popups += 1; });
    const countBefore = Number((await viewOf(page, 0)).count);
    await buttonOf(page, 0).click();
    const after = await buttonInState(page, 0, 'flattred');
    assert.equal(after.pressed, 'true');
    assert.equal(after.count, String(countBefore + 1));
    assert.equal(popups, 0, 'no window opened');
    assert.equal(await flattrsOf(stage.server.db, reader.email), 2);
    await context.close();
  });

  it('past the monthly cap the reader set for the site, the button opens the window again and the token stays', async () => {
    const reader = await newReader(stage.server);
    const context = await newContext(stage);
    const page = await context.newPage();
    await openBlog(page);

    const popupOpened = page.waitForEvent('popup');
    await buttonOf(page, 2).click();
    const popup = await popupOpened;
    await logInPopup(popup, reader);
    await popup.getByLabel(`One click on this site (${stage.blog.url})`).check();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
    await closed;
    await buttonInState(page, 2, 'flattred');

    // The reader allows this blog one flattr a month without asking.
    const api = testClient(stage.server.url);
    const [token] = (await api.get('/v1/me/site-tokens', { token: reader.token })).body.items;
    assert.equal((await api.patch(`/v1/me/site-tokens/${token.id}`, { monthlyCap: 1 }, { token: reader.token })).status, 200);

    let popups = 0;
    page.on('popup', () => { popups += 1; });
    await buttonOf(page, 0).click();
    await buttonInState(page, 0, 'flattred');
    assert.equal(popups, 0, 'the first one went through at once');

    const again = page.waitForEvent('popup');
    await buttonOf(page, 1).click();
    const window = await again;
    await window.getByRole('button', { name: 'Flattr', exact: true }).waitFor();
    const windowClosed = window.waitForEvent('close');
    await window.getByRole('button', { name: 'Flattr', exact: true }).click();
    await windowClosed;
    await buttonInState(page, 1, 'flattred');
    assert.equal(await flattrsOf(stage.server.db, reader.email), 3);
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flattr:site-token:')).length);
    assert.equal(stored, 1, 'the site token is kept for next month');
    await context.close();
  });
});

/** Presses Tab until `selector` has focus (at most 15 times). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}
