// The ES module build for bundlers (dist/index.js, Lit and the SDK external), built by `test:unit` first.
import { expect, fixture, html } from '@open-wc/testing';
import { api, startApi, waitForState } from './helpers.js';

// A computed specifier: the typecheck runs before the build, so TypeScript must not try to resolve it.
const distEntry = '../dist/index.js';

describe('ES module build (dist/index.js)', () => {
  before(startApi);

  it('defines <flattr-button> on import and exports the class and helpers', async () => {
    const mod = await import(/* @vite-ignore */ distEntry);
    expect(customElements.get('flattr-button')).to.equal(mod.FlattrButton);
    expect(mod.setDefaultApi).to.be.a('function');
    expect(mod.installCommandQueue).to.be.a('function');
    expect(Object.keys(mod.translations).sort()).to.deep.equal(['de', 'en', 'es', 'fr', 'sv']);
  });

  it('renders and loads counts with the default api set by setDefaultApi', async () => {
    const mod = await import(/* @vite-ignore */ distEntry);
    mod.setDefaultApi(api);
    const el = await fixture<HTMLElement & { state: string; count: number | null }>(
      html`<flattr-button url="https://blog.example/esm" title="ESM" show-count></flattr-button>`,
    );
    await waitForState(el as never, 'ready');
    expect(el.count).to.equal(5);
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-label')).to.equal('Flattr ESM');
  });
});
