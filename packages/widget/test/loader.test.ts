// The script-tag bundle as bloggers use it: dist/flattr.js (built by `npm run build`, which `test:unit` runs first).
import { expect, waitUntil } from '@open-wc/testing';
import type { FlattrButton } from '../src/index.js';
import type { Command } from '../src/loader/index.js';
import { api, server, startApi, waitForLabel, waitForState } from './helpers.js';

function loadScript(src: string, attributes: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.async = true;
    script.src = src;
    for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
    script.addEventListener('load', () => resolve(), { once: true });
    script.addEventListener('error', () => reject(new Error(`could not load ${src}`)), { once: true });
    document.head.append(script);
  });
}

// The test page loads hundreds of modules: room for every resource entry (the default keeps 250).
performance.setResourceTimingBufferSize(10_000);

const pageErrors: string[] = [];
window.addEventListener('error', (e) => pageErrors.push(e.message));

describe('script-tag loader (dist/flattr.js)', () => {
  const body = document.createElement('div');

  before(async () => {
    await startApi();
    localStorage.clear();
    document.body.append(body);
    body.innerHTML = `
      <div id="early"></div>
      <p>Old post <a class="FlattrButton" href="https://blog.example/2011/old-post" title="An old post"
           rev="flattr;uid:alice;button:compact;category:text;tags:retro,blog;language:sv_SE;">Flattr this!</a></p>
      <a class="FlattrButton" href="https://blog.example/2012/large" data-flattr-uid="bob" data-flattr-tags="x">Flattr</a>
      <div id="late"></div>`;
    // The page queues a command before the loader arrives (the documented snippet).
    window.flattr = window.flattr || [];
    window.flattr.push(['render', { target: '#early', url: 'https://blog.example/early', title: 'Early', showCount: true, size: 'large' }]);
    await loadScript('/dist/flattr.js', { 'data-api': api });
    // Old markup and queued commands: the loader fetched its second file for them (flattr-lazy.js).
    await waitUntil(() => document.querySelector('#early flattr-button'), 'the queued command ran');
  });

  after(() => body.remove());

  it('defines <flattr-button>', () => {
    expect(customElements.get('flattr-button')).to.be.a('function');
  });

  it('ran the command queued before it loaded', async () => {
    const el = document.querySelector<FlattrButton>('#early flattr-button')!;
    expect(el).to.not.equal(null);
    expect(el.getAttribute('url')).to.equal('https://blog.example/early');
    expect(el.getAttribute('size')).to.equal('large');
    expect(el.apiOrigin).to.equal(api); // from the script tag's data-api
    await waitForState(el, 'ready');
    expect(el.count).to.equal(5);
    expect(window.flattr!.length).to.equal(0);
  });

  it('upgrades old a.FlattrButton markup, keeping the link inside for no-JS readers', async () => {
    const [compact, large] = [...body.querySelectorAll<FlattrButton>('flattr-button[creator]')];
    expect(compact!.getAttribute('url')).to.equal('https://blog.example/2011/old-post');
    expect(compact!.getAttribute('title')).to.equal('An old post');
    expect(compact!.getAttribute('creator')).to.equal('alice');
    expect(compact!.getAttribute('size')).to.equal('compact');
    expect(compact!.getAttribute('category')).to.equal('text');
    expect(compact!.getAttribute('tags')).to.equal('retro,blog');
    expect(compact!.getAttribute('lang')).to.equal('sv-SE');
    expect(compact!.hasAttribute('show-count')).to.equal(true);
    const link = compact!.querySelector('a.FlattrButton')!;
    expect(link.textContent).to.equal('Flattr this!');
    expect(link.getBoundingClientRect().width).to.equal(0); // not rendered: no slot
    expect(compact!.parentElement!.tagName).to.equal('P');
    await waitForState(compact!, 'ready');
    // The bundle carries English only: Swedish comes from the service's /widget/i18n/sv.json.
    await waitForLabel(compact!, 'Flattra An old post');
    expect(compact!.shadowRoot!.querySelector('button')!.textContent!.trim()).to.equal('Flattra');

    expect(large!.getAttribute('creator')).to.equal('bob');
    expect(large!.getAttribute('size')).to.equal('large');
    expect(large!.getAttribute('tags')).to.equal('x');
    expect(large!.getAttribute('title')).to.equal('Flattr');
    expect(body.querySelectorAll('a.FlattrButton:not([data-flattr-upgraded])').length).to.equal(0);
  });

  it('fetched its second file once, from beside flattr.js', () => {
    const lazy = performance.getEntriesByType('resource').filter((e) => e.name.includes('flattr-lazy.js'));
    expect(lazy.map((e) => new URL(e.name).pathname)).to.deep.equal(['/dist/flattr-lazy.js']);
    expect(new URL(lazy[0]!.name).searchParams.get('v')).to.match(/^[0-9a-f]{12}$/);
  });

  it('runs commands pushed after load at once', () => {
    const length = window.flattr!.push(['render', { target: '#late', url: 'https://blog.example/late', creator: 'carol', tags: ['a', 'b'] }]);
    expect(length).to.equal(0);
    const el = document.querySelector<FlattrButton>('#late flattr-button')!;
    expect(el.getAttribute('creator')).to.equal('carol');
    expect(el.getAttribute('tags')).to.equal('a,b');
    expect(el.hasAttribute('show-count')).to.equal(false);
  });

  it('upgrades markup added later on ["upgrade"]', () => {
    body.insertAdjacentHTML('beforeend', '<a class="FlattrButton" id="added" href="https://blog.example/added">Flattr</a>');
    window.flattr!.push(['upgrade']);
    expect(document.getElementById('added')!.parentElement!.tagName).to.equal('FLATTR-BUTTON');
  });

  it('reports a bad command without throwing, and keeps going', () => {
    const errors: unknown[][] = [];
    const realError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      window.flattr!.push(['explode'] as Command, ['render', { target: '#nowhere' }], ['render', { target: '#late', url: 'https://blog.example/after-bad' }]);
    } finally {
      console.error = realError;
    }
    expect(errors.length).to.equal(2);
    expect(String(errors[0]![1])).to.contain('unknown command');
    expect(String(errors[1]![1])).to.contain('#nowhere');
    expect(document.querySelector('#late flattr-button[url="https://blog.example/after-bad"]')).to.not.equal(null);
  });

  it('loads a second time without throwing or duplicating anything', async () => {
    const definition = customElements.get('flattr-button');
    const buttonsBefore = document.querySelectorAll('flattr-button').length;
    const queue = window.flattr;
    await loadScript('/dist/flattr.js?second', { 'data-api': api });
    expect(pageErrors).to.deep.equal([]);
    expect(customElements.get('flattr-button')).to.equal(definition);
    expect(document.querySelectorAll('flattr-button').length).to.equal(buttonsBefore);
    expect(window.flattr).to.equal(queue);
    window.flattr!.push(['render', { target: '#late', url: 'https://blog.example/after-second' }]);
    expect(document.querySelectorAll('#late flattr-button[url="https://blog.example/after-second"]').length).to.equal(1);
  });

  it('asked for the counts of every button present at load in one request', async () => {
    await waitUntil(() => server.countsRequests.length >= 1);
    expect([...server.countsRequests[0]!].sort()).to.deep.equal([
      'https://blog.example/2011/old-post',
      'https://blog.example/2012/large',
      'https://blog.example/early',
    ]);
  });
});
