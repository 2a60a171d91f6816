import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../src/components/flattr-button/flattr-button.js';
import type { FlattrButton } from '../src/index.js';
import { api, currentPeriod, innerButton, nextEvent, pressEnter, recordEvents, server, startApi, waitForState } from './helpers.js';

/** Records the windows the element opens (the real ones: the stand-in confirm page on the service origin). */
function watchWindowOpen() {
  const opened: { url: string; name: string; features: string; popup: Window | null }[] = [];
  const realOpen = window.open;
  window.open = function (url?: string | URL, name?: string, features?: string) {
    const popup = realOpen.call(window, url, name, features);
    opened.push({ url: String(url), name: name ?? '', features: features ?? '', popup });
    return popup;
  };
  return { opened, restore: () => (window.open = realOpen) };
}

describe('confirm window', () => {
  let watch: ReturnType<typeof watchWindowOpen>;
  beforeEach(async () => {
    await startApi();
    localStorage.clear();
    watch = watchWindowOpen();
  });
  afterEach(() => {
    for (const { popup } of watch.opened) popup?.close();
    watch.restore();
  });

  it('opens the service’s confirm page from the reader’s click and takes its result', async () => {
    const el = await fixture<FlattrButton>(
      html`<flattr-button api=${api} url="https://blog.example/post?scenario=ok" title="Post" creator="alice" show-count></flattr-button>`,
    );
    await waitForState(el, 'ready');
    const success = nextEvent(el, 'flattr-success');
    await pressEnter(el);
    const { detail } = await success;

    expect(watch.opened.length).to.equal(1);
    const { url, name, features } = watch.opened[0]!;
    const confirm = new URL(url);
    expect(confirm.origin).to.equal(api);
    expect(confirm.pathname).to.equal('/widget/confirm');
    expect(Object.fromEntries(confirm.searchParams)).to.deep.equal({
      url: 'https://blog.example/post?scenario=ok',
      title: 'Post',
      creator: 'alice',
      origin: location.origin,
    });
    expect(name).to.equal('flattr-confirm');
    expect(features).to.equal('popup,width=440,height=600');

    expect(detail).to.deep.equal({
      url: 'https://blog.example/post?scenario=ok',
      thingId: 'thing-1',
      count: 7,
      period: currentPeriod,
      flattrId: 'flattr-1',
      via: 'window',
    });
    await waitForState(el, 'flattred');
    expect(el.count).to.equal(7);
    expect(innerButton(el).getAttribute('aria-pressed')).to.equal('true');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('7 flattrs');
    // Remembered for this month: a new button for the same URL starts as flattred.
    const again = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/post?scenario=ok"></flattr-button>`);
    await waitForState(again, 'flattred');
    expect(localStorage.getItem(`flattr:site-token:${api}`)).to.equal(null);
    expect(server.flattrRequests).to.deep.equal([]); // the window recorded it, not this page
  });

  it('stores the site token when the reader ticked "one click on this site"', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/p?scenario=one-click"></flattr-button>`);
    const success = nextEvent(el, 'flattr-success');
    await pressEnter(el);
    expect((await success).detail.count).to.equal(8);
    expect(localStorage.getItem(`flattr:site-token:${api}`)).to.equal('fsite_granted');
  });

  it('shows needs-login when the window reports the reader is not logged in', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/p?scenario=login" title="P"></flattr-button>`);
    const error = nextEvent(el, 'flattr-error');
    await pressEnter(el);
    expect((await error).detail.code).to.equal('login_required');
    await waitForState(el, 'needs-login');
    expect(innerButton(el).getAttribute('aria-label')).to.equal('Log in to flattr P');
    expect(innerButton(el).textContent!.trim()).to.equal('Log in');
  });

  it('shows an error with retry when the service refused', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/p?scenario=refuse"></flattr-button>`);
    const error = nextEvent(el, 'flattr-error');
    await pressEnter(el);
    expect((await error).detail).to.deep.equal({ code: 'insufficient_funds', message: 'No budget left' });
    await waitForState(el, 'error');
    // The stand-in page closes itself after answering; a retry must not race that close.
    await waitUntil(() => watch.opened[0]!.popup!.closed, 'the first window closed');
    // Retrying opens the window again (a fresh reader gesture).
    const again = nextEvent(el, 'flattr-error');
    await pressEnter(el);
    await again;
    expect(watch.opened.length).to.equal(2);
  });

  it('ignores results from any other origin or window, and returns to ready when the window closes', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/p?scenario=wait" show-count></flattr-button>`);
    await waitForState(el, 'ready');
    const seen = recordEvents(el, 'flattr-success', 'flattr-error');
    await pressEnter(el);
    await waitUntil(() => watch.opened[0]?.popup, 'window opened');
    await waitForState(el, 'loading');
    const forged = { type: 'flattr:result', ok: true, url: 'https://blog.example/p?scenario=wait', thingId: 'x', count: 999, period: currentPeriod, flattrId: 'x' };

    // 1. The host page itself (wrong origin, wrong source).
    window.postMessage(forged, '*');
    // 2. A frame on the service's own origin that is not the confirm window (right origin, wrong source).
    const frame = document.createElement('iframe');
    const frameLoaded = new Promise((r) => frame.addEventListener('load', r, { once: true }));
    frame.src = `${api}/test/fixtures/forge.html?url=${encodeURIComponent(forged.url)}`;
    document.body.append(frame);
    await frameLoaded;
    // 3. Messages that look nearly right: other types, malformed.
    window.postMessage({ ...forged, type: 'other' }, '*');
    window.postMessage('flattr:result', '*');
    await new Promise((r) => setTimeout(r, 200));
    frame.remove();

    expect(seen).to.deep.equal([]);
    expect(el.state).to.equal('loading');
    expect(el.count).to.equal(5);

    watch.opened[0]!.popup!.close();
    await waitForState(el, 'ready');
    expect(seen).to.deep.equal([]);
    expect(localStorage.length).to.equal(0);
  });

  it('blocks synthetic clicks by the host page: no window without the reader’s gesture', async () => {
    localStorage.setItem(`flattr:site-token:${api}`, 'fsite_secret');
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/forge"></flattr-button>`);
    const clicks = recordEvents(el, 'flattr-click');
    const error = nextEvent(el, 'flattr-error');
    el.click(); // as a hostile script on the page would
    const { detail } = await error;
    expect(detail.code).to.equal('popup_blocked');
    expect(clicks.map((e) => e.detail.via)).to.deep.equal(['window']);
    expect(clicks.map((e) => e.detail.trusted)).to.deep.equal([false]);
    expect(watch.opened.map((o) => o.popup)).to.deep.equal([null]);
    // The stored token was never used for the synthetic click.
    expect(server.flattrRequests).to.deep.equal([]);

    innerButton(el).dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.flattrRequests).to.deep.equal([]);
  });

  it('offers a link when the window was blocked, which opens the confirm page in a tab', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/p?scenario=ok" title="T"></flattr-button>`);
    const error = nextEvent(el, 'flattr-error');
    el.click(); // no user activation: blocked
    const { detail } = await error;
    await el.updateComplete;
    const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('[part="fallback"]')!;
    expect(link.href).to.equal(detail.fallbackUrl);
    expect(new URL(link.href).pathname).to.equal('/widget/confirm');
    expect(link.target).to.equal('_blank');
    expect(link.textContent!.trim()).to.equal('Pop-up blocked: open Flattr in a new tab');

    // The reader follows the link (a real key press): the page gets the result back from that tab.
    const success = nextEvent(el, 'flattr-success');
    link.focus();
    const { sendKeys } = await import('@web/test-runner-commands');
    await sendKeys({ press: 'Enter' });
    expect((await success).detail.count).to.equal(7);
    expect(watch.opened.at(-1)!.features).to.equal('');
    await waitForState(el, 'flattred');
    expect(el.shadowRoot!.querySelector('[part="fallback"]')).to.equal(null);
  });
});
