// A page with <flattr-button> elements only: the script tag's second file (flattr-lazy.js) is not fetched at
// load, only by the first command pushed (or, elsewhere, by the first click).
import { expect, waitUntil } from '@open-wc/testing';
import type { FlattrButton } from '../src/index.js';
import { api, startApi, waitForState } from './helpers.js';

// The test page loads hundreds of modules: room for every resource entry (the default keeps 250).
performance.setResourceTimingBufferSize(10_000);

const lazyRequests = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('flattr-lazy.js')).length;

describe('script tag: what is fetched only when needed', () => {
  before(async () => {
    await startApi();
    document.body.insertAdjacentHTML('beforeend', '<flattr-button id="plain" url="https://blog.example/plain" title="Plain" show-count></flattr-button><div id="later"></div>');
    await new Promise<void>((resolve, reject) => {
      const script = Object.assign(document.createElement('script'), { async: true, src: '/dist/flattr.js' });
      script.setAttribute('data-api', api);
      script.onload = () => resolve();
      script.onerror = () => reject(new Error('flattr.js did not load'));
      document.head.append(script);
    });
  });

  it('renders and counts buttons without the second file', async () => {
    const el = document.getElementById('plain') as FlattrButton;
    await waitForState(el, 'ready');
    expect(el.count).to.equal(5);
    expect(lazyRequests()).to.equal(0);
  });

  it('fetches it for the first command pushed, which then runs', async () => {
    window.flattr!.push(['render', { target: '#later', url: 'https://blog.example/later' }]);
    await waitUntil(() => document.querySelector('#later flattr-button'), 'the command ran once its code arrived');
    expect(lazyRequests()).to.equal(1);
    expect(window.flattr!.length).to.equal(0);
  });
});
