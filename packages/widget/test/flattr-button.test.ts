import { expect, fixture, html } from '@open-wc/testing';
import '../src/components/flattr-button/flattr-button.js';
import type { FlattrButton } from '../src/index.js';
import { api, currentPeriod, deferred, innerButton, nextEvent, recordEvents, server, startApi, waitForLabel, waitForState } from './helpers.js';

describe('<flattr-button>', () => {
  beforeEach(async () => {
    await startApi();
    localStorage.clear();
  });

  describe('rendering', () => {
    it('renders a real button named after the thing', async () => {
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/a" title="My post"></flattr-button>`);
      const button = innerButton(el);
      expect(button.tagName).to.equal('BUTTON');
      expect(button.getAttribute('part')).to.equal('button');
      expect(button.type).to.equal('button');
      expect(button.getAttribute('aria-label')).to.equal('Flattr My post');
      expect(button.textContent!.trim()).to.equal('Flattr');
      expect(button.getAttribute('aria-pressed')).to.equal('false');
    });

    it('has no count part without show-count, and fetches nothing', async () => {
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/a"></flattr-button>`);
      await waitForState(el, 'ready');
      expect(el.shadowRoot!.querySelector('[part="count"]')).to.equal(null);
      await new Promise((r) => setTimeout(r, 50));
      expect(server.countsRequests).to.deep.equal([]);
    });

    it('defaults size to compact and reflects it', async () => {
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api}></flattr-button>`);
      expect(el.size).to.equal('compact');
      expect(el.getAttribute('size')).to.equal('compact');
      el.size = 'large';
      await el.updateComplete;
      expect(el.getAttribute('size')).to.equal('large');
    });
  });

  describe('attributes', () => {
    it('defaults url to the canonical link, then to location.href', async () => {
      const link = Object.assign(document.createElement('link'), { rel: 'canonical', href: '/canonical-post' });
      document.head.append(link);
      try {
        const el = await fixture<FlattrButton>(html`<flattr-button api=${api}></flattr-button>`);
        expect(el.effectiveUrl).to.equal(new URL('/canonical-post', location.href).href);
      } finally {
        link.remove();
      }
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api}></flattr-button>`);
      expect(el.effectiveUrl).to.equal(location.href);
    });

    it('takes the page title when the button stands for the page itself', async () => {
      document.title = 'The page title';
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api}></flattr-button>`);
      expect(innerButton(el).getAttribute('aria-label')).to.equal('Flattr The page title');
    });

    it('understands the old vocabulary: uid, button="compact", category, tags', async () => {
      const el = await fixture<FlattrButton>(
        html`<flattr-button api=${api} url="https://blog.example/old" uid="alice" button="compact" category="text" tags="a,b"></flattr-button>`,
      );
      expect(el.effectiveCreator).to.equal('alice');
      expect(el.size).to.equal('compact');
      expect(el.category).to.equal('text');
      expect(el.tags).to.equal('a,b');
      const large = await fixture<FlattrButton>(html`<flattr-button api=${api} button="large"></flattr-button>`);
      expect(large.size).to.equal('large');
    });

    it('reads data-flattr-* attributes', async () => {
      const el = await fixture<FlattrButton>(
        html`<flattr-button
          data-flattr-api=${api}
          data-flattr-url="https://blog.example/data"
          data-flattr-title="Data post"
          data-flattr-uid="bob"
          data-flattr-button="compact"
          data-flattr-language="de_DE"
        ></flattr-button>`,
      );
      expect(el.apiOrigin).to.equal(api);
      expect(el.effectiveUrl).to.equal('https://blog.example/data');
      expect(el.effectiveCreator).to.equal('bob');
      expect(el.size).to.equal('compact');
      await waitForLabel(el, 'Data post flattrn');
    });

    it('prefers explicit attributes over the old ones', async () => {
      const el = await fixture<FlattrButton>(
        html`<flattr-button api=${api} creator="carol" uid="alice" size="large" button="compact"></flattr-button>`,
      );
      expect(el.effectiveCreator).to.equal('carol');
      expect(el.size).to.equal('large');
    });
  });

  describe('states', () => {
    it('is loading until the count arrives, then ready with the count', async () => {
      const gate = deferred();
      server.countsGate = gate.promise;
      server.countFor = () => 1234;
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/s" show-count></flattr-button>`);
      expect(el.state).to.equal('loading');
      expect(innerButton(el).getAttribute('aria-busy')).to.equal('true');
      gate.resolve();
      await waitForState(el, 'ready');
      expect(el.count).to.equal(1234);
      expect(el.thingId).to.equal('thing:https://blog.example/s');
      const count = el.shadowRoot!.querySelector('[part="count"]')!;
      expect(count.textContent).to.contain('1,234');
      expect(count.querySelector('.visually-hidden')!.textContent).to.equal('1,234 flattrs');
      expect(innerButton(el).hasAttribute('aria-busy')).to.equal(false);
    });

    it('shows "flattred" with aria-pressed when this browser flattred the URL this month', async () => {
      localStorage.setItem(`flattr:flattred:${api}:${currentPeriod}`, JSON.stringify(['https://blog.example/done']));
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/done" title="Done"></flattr-button>`);
      await waitForState(el, 'flattred');
      expect(innerButton(el).getAttribute('aria-pressed')).to.equal('true');
      expect(innerButton(el).getAttribute('aria-label')).to.equal('Flattred Done this month');
    });

    it('does not count last month’s flattrs as this month’s', async () => {
      localStorage.setItem(`flattr:flattred:${api}:2001-01`, JSON.stringify(['https://blog.example/done']));
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/done"></flattr-button>`);
      await waitForState(el, 'ready');
    });

    it('goes to error when counts fail, emits flattr-error, and retries on click', async () => {
      server.countsStatus = 503;
      const el = document.createElement('flattr-button');
      Object.assign(el, { api, url: 'https://blog.example/e', showCount: true });
      const error = nextEvent(el, 'flattr-error');
      document.body.append(el);
      try {
        const { detail } = await error;
        expect(detail.code).to.equal('counts_failed');
        expect(detail.status).to.equal(503);
        await waitForState(el, 'error');
        expect(innerButton(el).textContent!.trim()).to.equal('Retry');
        server.countsStatus = 200;
        innerButton(el).click();
        await waitForState(el, 'ready');
        expect(el.count).to.equal(5);
        expect(server.countsRequests.length).to.equal(2);
      } finally {
        el.remove();
      }
    });

    it('is an error without any api configured', async () => {
      const el = document.createElement('flattr-button');
      const error = nextEvent(el, 'flattr-error');
      document.body.append(el);
      try {
        expect((await error).detail.code).to.equal('missing_api');
        expect(el.state).to.equal('error');
      } finally {
        el.remove();
      }
    });
  });

  describe('events', () => {
    it('flattr-click bubbles, is composed, and can be cancelled before anything opens', async () => {
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/c" title="C" creator="dave"></flattr-button>`);
      await waitForState(el, 'ready');
      const opened: unknown[] = [];
      const realOpen = window.open;
      window.open = (...args: unknown[]) => (opened.push(args), null);
      const seen = recordEvents(el, 'flattr-error');
      const onDocument = (e: Event) => e.preventDefault();
      document.addEventListener('flattr-click', onDocument);
      try {
        const click = nextEvent(el, 'flattr-click');
        innerButton(el).click();
        const event = await click;
        expect(event.bubbles).to.equal(true);
        expect(event.composed).to.equal(true);
        expect(event.cancelable).to.equal(true);
        expect(event.detail).to.deep.equal({ url: 'https://blog.example/c', title: 'C', creator: 'dave', via: 'window', trusted: false });
        expect(event.defaultPrevented).to.equal(true);
        expect(opened).to.deep.equal([]);
        expect(seen).to.deep.equal([]);
        expect(el.state).to.equal('ready');
      } finally {
        window.open = realOpen;
        document.removeEventListener('flattr-click', onDocument);
      }
    });

    it('ignores clicks on the count', async () => {
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} url="https://blog.example/n" show-count></flattr-button>`);
      await waitForState(el, 'ready');
      const seen = recordEvents(el, 'flattr-click');
      (el.shadowRoot!.querySelector('[part="count"]') as HTMLElement).click();
      expect(seen).to.deep.equal([]);
    });
  });

  describe('i18n', () => {
    const cases = {
      en: ['Flattr', 'Flattr Post', '2 flattrs'],
      de: ['Flattr', 'Post flattrn', '2 Flattrs'],
      sv: ['Flattra', 'Flattra Post', '2 flattrar'],
      fr: ['Flattr', 'Flattrer Post', '2 flattrs'],
      es: ['Flattr', 'Flattrear Post', '2 flattrs'],
    } as const;
    for (const [lang, [text, label, count]] of Object.entries(cases)) {
      it(`speaks ${lang} from the lang attribute`, async () => {
        server.countFor = () => 2;
        const el = await fixture<FlattrButton>(html`<flattr-button api=${api} lang=${lang} url="https://blog.example/${lang}" title="Post" show-count></flattr-button>`);
        await waitForState(el, 'ready');
        // English is bundled; the other languages' strings come from the service (`/widget/i18n/<lang>.json`).
        await waitForLabel(el, label);
        expect(innerButton(el).textContent!.trim()).to.equal(text);
        expect(el.shadowRoot!.querySelector('[part="count"] .visually-hidden')!.textContent).to.equal(count);
      });
    }

    it('falls back to the closest [lang] ancestor, then the document language', async () => {
      const wrapper = await fixture(html`<div lang="fr-CA"><flattr-button api=${api} title="Post"></flattr-button></div>`);
      await waitForLabel(wrapper.querySelector<FlattrButton>('flattr-button')!, 'Flattrer Post');
      const before = document.documentElement.lang;
      document.documentElement.lang = 'sv-SE';
      try {
        const el = await fixture<FlattrButton>(html`<flattr-button api=${api} title="Post"></flattr-button>`);
        await waitForLabel(el, 'Flattra Post');
      } finally {
        document.documentElement.lang = before;
      }
    });

    it('skips languages it has no strings for', async () => {
      const wrapper = await fixture(html`<div lang="es"><flattr-button api=${api} lang="ja" title="Post"></flattr-button></div>`);
      // `ja` has no translation: the next declared language with one wins.
      await waitForLabel(wrapper.querySelector<FlattrButton>('flattr-button')!, 'Flattrear Post');
    });
  });

  describe('theming', () => {
    it('uses the custom properties for colours, radius and font', async () => {
      const el = await fixture<FlattrButton>(html`<flattr-button api=${api} show-count></flattr-button>`);
      el.style.setProperty('--flattr-background', 'rgb(1, 2, 3)');
      el.style.setProperty('--flattr-color', 'rgb(250, 251, 252)');
      el.style.setProperty('--flattr-radius', '13px');
      el.style.setProperty('--flattr-font', 'monospace');
      el.style.setProperty('--flattr-count-background', 'rgb(9, 8, 7)');
      const style = getComputedStyle(innerButton(el));
      expect(style.backgroundColor).to.equal('rgb(1, 2, 3)');
      expect(style.color).to.equal('rgb(250, 251, 252)');
      expect(style.borderTopLeftRadius).to.equal('13px');
      expect(style.fontFamily).to.equal('monospace');
      const count = el.shadowRoot!.querySelector('[part="count"]')!;
      expect(getComputedStyle(count).backgroundColor).to.equal('rgb(9, 8, 7)');
    });

    it('exposes ::part(button) and ::part(count) to the page', async () => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('.themed::part(button) { text-transform: uppercase; } .themed::part(count) { letter-spacing: 3px; }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      try {
        const el = await fixture<FlattrButton>(html`<flattr-button class="themed" api=${api} show-count></flattr-button>`);
        expect(getComputedStyle(innerButton(el)).textTransform).to.equal('uppercase');
        expect(getComputedStyle(el.shadowRoot!.querySelector('[part="count"]')!).letterSpacing).to.equal('3px');
      } finally {
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      }
    });

    it('has a larger target in the large size', async () => {
      const compact = await fixture<FlattrButton>(html`<flattr-button api=${api} size="compact"></flattr-button>`);
      const large = await fixture<FlattrButton>(html`<flattr-button api=${api} size="large"></flattr-button>`);
      expect(innerButton(large).getBoundingClientRect().height).to.be.greaterThan(innerButton(compact).getBoundingClientRect().height);
      expect(innerButton(large).getBoundingClientRect().height).to.be.at.least(44);
      expect(innerButton(compact).getBoundingClientRect().height).to.be.at.least(24);
    });
  });
});
