import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../src/components/flattr-button/flattr-button.js';
import type { FlattrButton } from '../src/index.js';
import { api, server, startApi, waitForState } from './helpers.js';

/** N buttons stacked on one spot in the viewport, so they all become visible in the same frame. */
async function stackOfButtons(n: number, prefix: string): Promise<FlattrButton[]> {
  const container = await fixture(html`<div style="position: relative; height: 40px"></div>`);
  const buttons = Array.from({ length: n }, (_, i) => {
    const el = document.createElement('flattr-button');
    el.setAttribute('api', api);
    el.setAttribute('url', `https://blog.example/${prefix}/${i}`);
    el.toggleAttribute('show-count', true);
    el.style.cssText = 'position: absolute; top: 0; left: 0';
    return el;
  });
  container.append(...buttons);
  return buttons;
}

describe('counts', () => {
  beforeEach(async () => {
    await startApi();
    await setViewport({ width: 800, height: 600 });
  });

  it('shares one request per 100 buttons: 250 buttons → 3 requests', async () => {
    server.countFor = (url) => Number(url.split('/').pop());
    const buttons = await stackOfButtons(250, 'batch');
    await Promise.all(buttons.map((b) => waitForState(b, 'ready')));
    expect(server.countsRequests.map((urls) => urls.length)).to.deep.equal([100, 100, 50]);
    expect(new Set(server.countsRequests.flat()).size).to.equal(250);
    expect(buttons.map((b) => b.count)).to.deep.equal(buttons.map((_, i) => i));
  });

  for (const n of [1, 100, 101]) {
    it(`${n} buttons → ${Math.ceil(n / 100)} request(s)`, async () => {
      const buttons = await stackOfButtons(n, `n${n}`);
      await Promise.all(buttons.map((b) => waitForState(b, 'ready')));
      expect(server.countsRequests.length).to.equal(Math.ceil(n / 100));
    });
  }

  it('asks once for buttons that share a URL', async () => {
    const container = await fixture(html`<div>
      <flattr-button api=${api} url="https://blog.example/same" show-count></flattr-button>
      <flattr-button api=${api} url="https://blog.example/same" show-count size="large"></flattr-button>
    </div>`);
    const buttons = [...container.querySelectorAll('flattr-button')];
    await Promise.all(buttons.map((b) => waitForState(b, 'ready')));
    expect(server.countsRequests).to.deep.equal([['https://blog.example/same']]);
  });

  it('fetches off-screen buttons only when they come near the viewport', async () => {
    const container = await fixture(html`<div>
      <flattr-button api=${api} url="https://blog.example/top" show-count></flattr-button>
      <div style="height: 5000px"></div>
      <flattr-button api=${api} url="https://blog.example/bottom" show-count></flattr-button>
      <div style="height: 100px"></div>
    </div>`);
    const [top, bottom] = [...container.querySelectorAll('flattr-button')] as [FlattrButton, FlattrButton];
    await waitForState(top, 'ready');
    // Give the observer a few frames: the far button must stay untouched.
    for (let i = 0; i < 5; i++) await new Promise((r) => requestAnimationFrame(r));
    expect(server.countsRequests).to.deep.equal([['https://blog.example/top']]);
    expect(bottom.state).to.equal('loading');
    expect(bottom.count).to.equal(null);

    // Within the 200px margin below the viewport counts as near.
    window.scrollTo(0, bottom.offsetTop - 600 - 150);
    await waitForState(bottom, 'ready');
    expect(server.countsRequests).to.deep.equal([['https://blog.example/top'], ['https://blog.example/bottom']]);

    // Scrolling away and back does not fetch again.
    window.scrollTo(0, 0);
    window.scrollTo(0, bottom.offsetTop);
    for (let i = 0; i < 5; i++) await new Promise((r) => requestAnimationFrame(r));
    expect(server.countsRequests.length).to.equal(2);
    window.scrollTo(0, 0);
  });

  it('does not fetch a button that stays just outside the 200px margin', async () => {
    const container = await fixture(html`<div>
      <div style="height: ${600 + 400}px"></div>
      <flattr-button api=${api} url="https://blog.example/just-outside" show-count></flattr-button>
    </div>`);
    const el = container.querySelector('flattr-button')!;
    for (let i = 0; i < 5; i++) await new Promise((r) => requestAnimationFrame(r));
    expect(server.countsRequests).to.deep.equal([]);
    expect(el.state).to.equal('loading');
  });
});
