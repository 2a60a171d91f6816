import { expect, fixture, html } from '@open-wc/testing';
import '../src/components/flattr-button/flattr-button.js';
import FlattrButton from '../src/components/flattr-button/flattr-button.component.js';
import { defineElement } from '../src/internal/define.js';
import { VERSION } from '../src/version.js';
import { api, startApi, waitForState } from './helpers.js';

describe('element contract', () => {
  before(() => startApi());

  it('has a read-only state: assigning it throws, and the state attribute is only a mirror', async () => {
    const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/read-only"></flattr-button>`);
    await waitForState(el, 'ready');
    expect(() => { (el as unknown as { state: string }).state = 'flattred'; }).to.throw(TypeError);
    expect(el.state).to.equal('ready');
    el.setAttribute('state', 'flattred');
    await el.updateComplete;
    expect(el.state).to.equal('ready');
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-pressed')).to.equal('false');
    el.requestUpdate(); // the next update writes the real state back
    await el.updateComplete;
    expect(el.getAttribute('state')).to.equal('ready');
  });

  it('warns once, naming both versions, when another version of the element is loaded on the page', () => {
    const warnings: unknown[][] = [];
    const realWarn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      defineElement('flattr-button', FlattrButton); // the same version again: nothing to say
      expect(warnings).to.deep.equal([]);
      class Other extends FlattrButton { static override readonly version = '9.9.9'; }
      defineElement('flattr-button', Other);
      defineElement('flattr-button', Other);
      class Third extends FlattrButton { static override readonly version = '0.0.1'; }
      defineElement('flattr-button', Third);
    } finally {
      console.warn = realWarn;
    }
    expect(warnings.length).to.equal(1);
    expect(String(warnings[0]![0])).to.contain('9.9.9').and.contain(VERSION);
    expect(customElements.get('flattr-button')).to.equal(FlattrButton);
  });

  it('knows its version: the one in package.json', async () => {
    const pkg = await (await fetch('/package.json')).json();
    expect(FlattrButton.version).to.equal(pkg.version);
  });
});
