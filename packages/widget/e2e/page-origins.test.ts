import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buttonInState, buttonOf, flattrsOf, logInPopup, newContext, newReader, settledButton, viewOf, type Stage, startStage,
} from './harness.js';

/**
 * The confirm window must report back to the page that opened it wherever
 * that page lives: on the service's own origin (the `/demo/` page a newcomer
 * opens first), on another site (the blog on `localhost`), and on the
 * service's host with another port (same site, another origin).
 */
describe('the confirm window reports back to pages of every origin (end to end, Chromium)', () => {
  let stage: Stage;
  before(async () => { stage = await startStage(); });
  after(async () => { await stage?.close(); });

  const pages: Array<[string, () => string]> = [
    ['the service\'s own /demo/ page (same origin)', () => `${stage.server.url}/demo/`],
    ['a blog on another site (localhost)', () => `${stage.blog.url}/`],
    ['a blog on the service\'s host, another port', () => `${stage.evil.url}/`],
  ];

  for (const [name, address] of pages) {
    it(`${name}: confirming closes the window, the button turns "Flattred" and its count goes up`, async () => {
      const reader = await newReader(stage.server);
      const context = await newContext(stage);
      const page = await context.newPage();
      await page.goto(address());
      const before = await settledButton(page, 0);
      assert.equal(before.state, 'ready');

      const popupOpened = page.waitForEvent('popup');
      await buttonOf(page, 0).click();
      const popup = await popupOpened;
      await logInPopup(popup, reader);
      const closed = popup.waitForEvent('close');
      await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
      await closed;

      const after = await buttonInState(page, 0, 'flattred');
      assert.equal(after.pressed, 'true');
      assert.equal(after.count, String(Number(before.count) + 1));
      assert.equal(await flattrsOf(stage.server.db, reader.email), 1);
      assert.equal((await viewOf(page, 1)).state, 'ready', 'the other buttons are untouched');
      await context.close();
    });
  }
});
