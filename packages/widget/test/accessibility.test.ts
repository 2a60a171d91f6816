import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import 'axe-core/axe.min.js';
import type { AxeResults, RunOptions } from 'axe-core';
import '../src/components/flattr-button/flattr-button.js';
import type { FlattrButton, FlattrButtonSize, FlattrButtonState } from '../src/index.js';
import { api, deferred, innerButton, pressEnter, server, startApi, waitForState } from './helpers.js';

declare global {
  interface Window {
    axe: { run(context: Element, options: RunOptions): Promise<AxeResults> };
  }
}

/** axe-core over one element, every WCAG A/AA rule plus best practices. */
async function violationsOf(el: Element) {
  const results = await window.axe.run(el, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] });
  return results.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.failureSummary) }));
}

/** Puts a button into a state the way it gets there, so the check sees the real markup. */
async function buttonIn(state: FlattrButtonState | 'popup-blocked', size: FlattrButtonSize): Promise<FlattrButton> {
  // The stand-in confirm window answers `login_required` for `scenario=login` (test/fixtures/fake-confirm.js).
  const url = `https://blog.example/${state}/${size}/${Math.random()}${state === 'needs-login' ? '?scenario=login' : ''}`;
  if (state === 'loading') server.countsGate = deferred().promise;
  if (state === 'error') server.countsStatus = 503;
  if (state === 'flattred') {
    localStorage.setItem(`flattr:flattred:${api}:${new Date().toISOString().slice(0, 7)}`, JSON.stringify([url]));
  }
  const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url=${url} title="A post" size=${size} show-count></flattr-button>`);
  if (state === 'loading') return el;
  if (state === 'needs-login') {
    await waitForState(el, 'ready');
    await pressEnter(el); // the reader's key press opens the window, which reports `login_required`
    await waitForState(el, 'needs-login');
  } else if (state === 'popup-blocked') {
    await waitForState(el, 'ready');
    el.click(); // synthetic: the popup blocker refuses, the fallback link appears
    await waitForState(el, 'error');
  } else {
    await waitForState(el, state);
  }
  await el.updateComplete;
  return el;
}

describe('accessibility', () => {
  beforeEach(async () => {
    await startApi();
    localStorage.clear();
  });
  after(() => emulateMedia({ colorScheme: 'light' }));

  for (const scheme of ['light', 'dark'] as const) {
    for (const size of ['compact', 'large'] as const) {
      for (const state of ['loading', 'ready', 'flattred', 'needs-login', 'error', 'popup-blocked'] as const) {
        it(`has no axe violations: ${size}, ${state}, ${scheme}`, async () => {
          await emulateMedia({ colorScheme: scheme });
          const el = await buttonIn(state, size);
          expect(el.state).to.equal(state === 'popup-blocked' ? 'error' : state);
          expect(await violationsOf(el)).to.deep.equal([]);
        });
      }
    }
  }

  it('switches colours with prefers-color-scheme', async () => {
    await emulateMedia({ colorScheme: 'light' });
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api}></flattr-button>`);
    const light = getComputedStyle(innerButton(el)).backgroundColor;
    await emulateMedia({ colorScheme: 'dark' });
    const dark = getComputedStyle(innerButton(el)).backgroundColor;
    expect(light).to.not.equal(dark);
  });

  it('shows a visible focus ring when reached by keyboard', async () => {
    await emulateMedia({ colorScheme: 'light' });
    const container = await fixture(html`<div><input aria-label="before" /><flattr-button api=${api} title="Post"></flattr-button></div>`);
    const el = container.querySelector('flattr-button')!;
    container.querySelector('input')!.focus();
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement).to.equal(innerButton(el));
    const style = getComputedStyle(innerButton(el));
    expect(style.outlineStyle).to.equal('solid');
    expect(style.outlineWidth).to.equal('3px');
  });

  it('announces the new count politely, and nothing on page load', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/live" show-count></flattr-button>`);
    await waitForState(el, 'ready');
    const live = el.shadowRoot!.querySelector('[aria-live]')!;
    expect(live.getAttribute('aria-live')).to.equal('polite');
    expect(live.getAttribute('role')).to.equal('status');
    expect(live.textContent).to.equal('');
  });
});
