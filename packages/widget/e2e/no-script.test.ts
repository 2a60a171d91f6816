import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestUser } from '@flattr/server/testing';
import { flattrsOf, newReader, startStage, type Stage } from './harness.js';

/**
 * Places that cannot run a script: the plain Flattr link and the SVG badge,
 * in Chromium with JavaScript off on the page (and, for the link, in the
 * whole browser: the service's pages work without it too).
 */
describe('without JavaScript: the plain link and the badge (end to end, Chromium)', () => {
  let stage: Stage;
  let reader: TestUser;
  // No control character: the API refuses those in stored text (server input-refusal.test.ts).
  const hostile = '</title><script>alert(1)</script> & "q" \'s\'';

  before(async () => {
    stage = await startStage({
      blogPages: {
        // A post with a plain link to the service (no script tag at all) and its count badge.
        '/no-js/post': ({ url, api }) => {
          const post = `${url}/no-js/post`;
          const link = `${api}/flattr?${new URLSearchParams({ url: post, title: 'A post without scripts', creator: 'Robin' })}`;
          return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A post without scripts</title>
            <link rel="payment" href="${link.replace(/&/g, '&amp;')}"></head><body>
            <h1>A post without scripts</h1>
            <p><a id="flattr" href="${link.replace(/&/g, '&amp;')}">Flattr this</a></p>
            <p><img id="badge" alt="Flattr count" src="${api}/badge.svg?url=${encodeURIComponent(post)}"></p>
            </body></html>`;
        },
        // Badges in every theme for a thing with a hostile title, drawn onto a canvas to read their pixels.
        '/badges': ({ url, api }) => {
          const src = (theme: string) => `${api}/badge.svg?url=${encodeURIComponent(`${url}/hostile`)}&theme=${theme}`;
          return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Badges</title></head><body>
            ${['light', 'dark', 'auto'].map((theme) => `<img id="${theme}" crossorigin="anonymous" alt="" src="${src(theme)}">`).join('\n')}
            </body></html>`;
        },
      },
    });
    reader = await newReader(stage.server);
  });
  after(async () => { await stage?.close(); });

  it('a reader with JavaScript off everywhere follows the link, logs in, confirms, and is back on the post; the flattr is recorded once', async () => {
    const context = await stage.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const post = `${stage.blog.url}/no-js/post`;
    await page.goto(post);
    await page.getByRole('link', { name: 'Flattr this' }).click();

    await page.waitForURL(/\/account\/login/);
    await page.getByLabel('Email').fill(reader.email);
    await page.getByLabel('Password').fill(reader.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/widget\/confirm/);
    assert.equal(new URL(page.url()).searchParams.get('return'), post, 'back to the post (the Referer carried only the blog\'s origin)');
    await page.getByRole('heading', { name: /^Flattr .*A post without scripts.* by Robin\?$/ }).waitFor();
    assert.equal(await page.getByRole('checkbox').count(), 0, 'no one-click offer on the full page');
    assert.equal(await flattrsOf(stage.server.db, reader.email), 0, 'nothing recorded before the reader confirms');

    await page.getByRole('button', { name: 'Flattr', exact: true }).click();
    await page.waitForURL(post);
    await page.getByRole('heading', { name: 'A post without scripts' }).waitFor();
    assert.equal(await flattrsOf(stage.server.db, reader.email), 1);

    // A second time the same month: the same page, and still one flattr.
    await page.getByRole('link', { name: 'Flattr this' }).click();
    await page.getByText('You already flattred this page this month').waitFor();
    await page.getByRole('button', { name: 'Flattr', exact: true }).click();
    await page.waitForURL(post);
    assert.equal(await flattrsOf(stage.server.db, reader.email), 1);
    await context.close();
  });

  it('the badge shows the count on a page with JavaScript off', async () => {
    const context = await stage.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${stage.blog.url}/no-js/post`);
    const badge = page.locator('#badge');
    await badge.waitFor();
    // Evaluated by the test through DevTools, not by the page (its scripts are off).
    await page.waitForFunction(() => (document.getElementById('badge') as HTMLImageElement).complete);
    const size = await badge.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    assert.ok(size[0]! > 40 && size[1] === 20, `the SVG loaded as an image: ${size}`);
    await context.close();
  });

  it('renders a hostile title\'s badge in Chromium, in the light, dark and auto colours (auto follows prefers-color-scheme)', async () => {
    // A thing whose title tries to break out of the SVG.
    const created = await fetch(`${stage.server.url}/v1/flattrs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` },
      body: JSON.stringify({ url: `${stage.blog.url}/hostile`, title: hostile }),
    });
    assert.equal(created.status, 201, await created.text());
    const context = await stage.browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });

    const colours = async (scheme: 'light' | 'dark') => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${stage.blog.url}/badges`);
      // Anonymous functions only: tsx would name a local one with a helper the page does not have.
      const [light, dark, auto] = await page.evaluate(() => Promise.all(['light', 'dark', 'auto'].map(async (id) => {
        const img = document.getElementById(id) as HTMLImageElement;
        await img.decode();
        const canvas = Object.assign(document.createElement('canvas'), { width: img.naturalWidth, height: img.naturalHeight });
        const g = canvas.getContext('2d')!;
        g.drawImage(img, 0, 0);
        // A pixel of the label's background (left edge, between text and border).
        const [r, gr, b] = g.getImageData(2, 10, 1, 1).data;
        return `rgb(${r},${gr},${b})`;
      })));
      return { light, dark, auto };
    };
    const inLight = await colours('light');
    const inDark = await colours('dark');
    assert.equal(inLight.light, 'rgb(30,107,52)', 'light label #1e6b34');
    assert.equal(inLight.dark, 'rgb(126,211,150)', 'dark label #7ed396');
    assert.equal(inDark.light, inLight.light, 'light stays light');
    assert.equal(inLight.auto, inLight.light, 'auto is light in a light scheme');
    assert.equal(inDark.auto, inDark.dark, 'auto is dark in a dark scheme');
    assert.deepEqual(dialogs, []);
    await context.close();
  });
});
