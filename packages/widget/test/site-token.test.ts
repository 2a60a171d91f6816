import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/components/flattr-button/flattr-button.js';
import type { FlattrButton } from '../src/index.js';
import { api, currentPeriod, innerButton, nextEvent, pressEnter, recordEvents, server, startApi, waitForState } from './helpers.js';

const tokenKey = `flattr:site-token:${api}`;

describe('one-click site token', () => {
  let opened: (string | URL | undefined)[];
  const realOpen = window.open;
  beforeEach(async () => {
    await startApi();
    localStorage.clear();
    opened = [];
    // The token path must not need a window; record any attempt (and open nothing).
    window.open = (url?: string | URL) => (opened.push(url), null);
  });
  afterEach(() => {
    window.open = realOpen;
  });

  it('flattrs directly through the SDK on the reader’s click', async () => {
    localStorage.setItem(tokenKey, 'fsite_abc');
    const el = await fixture<FlattrButton>(
      html`<flattr-button api=${api} url="https://blog.example/one" title="One" creator="alice" show-count></flattr-button>`,
    );
    await waitForState(el, 'ready');
    expect(el.count).to.equal(5);
    const click = nextEvent(el, 'flattr-click');
    const success = nextEvent(el, 'flattr-success');
    await pressEnter(el);
    expect((await click).detail).to.include({ via: 'site-token', trusted: true });
    const { detail } = await success;
    expect(detail).to.deep.equal({
      url: 'https://blog.example/one',
      thingId: 'thing-9',
      count: 42,
      period: currentPeriod,
      flattrId: 'flattr-9',
      via: 'site-token',
    });
    expect(server.flattrRequests).to.deep.equal([
      { authorization: 'Bearer fsite_abc', body: { url: 'https://blog.example/one', title: 'One', creator: 'alice' } },
    ]);
    await waitForState(el, 'flattred');
    expect(el.count).to.equal(42);
    expect(el.shadowRoot!.querySelector('[part="count"]')!.textContent).to.contain('42');
    expect(innerButton(el).getAttribute('aria-pressed')).to.equal('true');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('42 flattrs');
    expect(opened).to.deep.equal([]);
    expect(JSON.parse(localStorage.getItem(`flattr:flattred:${api}:${currentPeriod}`)!)).to.deep.equal(['https://blog.example/one']);
  });

  it('works from the keyboard with Space as well as Enter', async () => {
    localStorage.setItem(tokenKey, 'fsite_abc');
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/space"></flattr-button>`);
    const success = nextEvent(el, 'flattr-success');
    innerButton(el).focus();
    await sendKeys({ press: 'Space' });
    expect((await success).detail.via).to.equal('site-token');
    expect(server.flattrRequests.length).to.equal(1);
  });

  it('a second click on a flattred button does nothing', async () => {
    localStorage.setItem(tokenKey, 'fsite_abc');
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/twice"></flattr-button>`);
    const success = nextEvent(el, 'flattr-success');
    await pressEnter(el);
    await success;
    await waitForState(el, 'flattred');
    const seen = recordEvents(el, 'flattr-click');
    await pressEnter(el);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).to.deep.equal([]);
    expect(server.flattrRequests.length).to.equal(1);
  });

  for (const [status, code] of [[401, 'invalid_token'], [403, 'origin_mismatch'], [403, 'site_token_not_allowed']] as const) {
    it(`forgets a token the service rejects (${status} ${code}) and falls back to the confirm window`, async () => {
      localStorage.setItem(tokenKey, 'fsite_revoked');
      server.flattrStatus = status;
      server.flattrCode = code;
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/revoked" title="R"></flattr-button>`);
      await waitForState(el, 'ready');
      await pressEnter(el);
      await waitUntil(() => opened.length === 1, 'the confirm window was opened');
      expect(server.flattrRequests.length).to.equal(1);
      expect(localStorage.getItem(tokenKey)).to.equal(null);
      expect(new URL(String(opened[0])).pathname).to.equal('/widget/confirm');
    });
  }

  // The token is fine, this click is beyond it: the month's cap for the site is used up, or the thing lives on another site.
  for (const [status, code] of [[429, 'site_cap_reached'], [403, 'thing_not_on_site']] as const) {
    it(`keeps the token and asks the reader in the confirm window on ${status} ${code}`, async () => {
      localStorage.setItem(tokenKey, 'fsite_capped');
      server.flattrStatus = status;
      server.flattrCode = code;
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/capped" title="C"></flattr-button>`);
      await waitForState(el, 'ready');
      const errors = recordEvents(el, 'flattr-error');
      await pressEnter(el);
      await waitUntil(() => opened.length === 1, 'the confirm window was opened');
      expect(new URL(String(opened[0])).pathname).to.equal('/widget/confirm');
      expect(server.flattrRequests.length).to.equal(1);
      expect(localStorage.getItem(tokenKey)).to.equal('fsite_capped');
      // Here the window was blocked (this test's window.open opens nothing), which is what the button reports.
      await waitUntil(() => errors.length === 1);
      expect(errors[0]!.detail.code).to.equal('popup_blocked');
    });
  }

  it('keeps the token on other errors and reports them', async () => {
    localStorage.setItem(tokenKey, 'fsite_ok');
    server.flattrStatus = 402;
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/poor"></flattr-button>`);
    const error = nextEvent(el, 'flattr-error');
    await pressEnter(el);
    expect((await error).detail).to.include({ code: 'insufficient_funds', status: 402 });
    await waitForState(el, 'error');
    expect(localStorage.getItem(tokenKey)).to.equal('fsite_ok');
    expect(opened).to.deep.equal([]);
  });

  it('uses only the token stored for this button’s service', async () => {
    localStorage.setItem('flattr:site-token:https://other.example', 'fsite_other');
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/mine"></flattr-button>`);
    const click = nextEvent(el, 'flattr-click');
    await pressEnter(el);
    expect((await click).detail.via).to.equal('window');
    expect(server.flattrRequests).to.deep.equal([]);
  });
});
