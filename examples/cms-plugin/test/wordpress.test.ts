/**
 * The plugin in a real WordPress (Debian's package, PHP's built-in server, a MariaDB of the test's own)
 * against the real Flattr server, driven as a blogger and a reader would: install the site, write an old
 * post with 2011's Flattr embed, activate the plugin, fill in its settings, publish a post with the block
 * and the shortcode in the block editor, then read the pages without and with JavaScript, the RSS and Atom
 * feeds, let the service verify the site through the plugin's meta tag and find the posts in its feeds, and flattr
 * a post in Chromium, with the button and, with JavaScript off, through the plain link to the service.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signup, startTestServer, testClient, type TestServer, type TestUser } from '@flattr/server/testing';
import { buttonInState, launchChromium, settledButton, signUpPopup, viewOf } from '../../../packages/widget/e2e/harness.js';
import { missingPrerequisites, startWordPress, type WordPress } from './support/wordpress.js';

const missing = missingPrerequisites();
// CI installs them (.ci/run): there a missing package is a failure, not a reason to skip.
const skip = missing.length > 0 && !process.env.CI
  ? `needs ${missing.join(', ')}: apt-get install wordpress wordpress-theme-twentytwentythree php-cli php-mysql mariadb-server`
  : false;

const NEW_POST = { title: 'Sharpening a plane iron', slug: 'sharpening-a-plane-iron' };
const OLD_POST = { title: 'Restoring a hand plane', slug: 'restoring-a-hand-plane', date: '2011-05-14T10:00:00' };
const PERMALINKS = '/%year%/%monthnum%/%postname%/';

/** A post as bloggers pasted Flattr's embed code in 2011: the JS button, its loader and noscript badge, a static auto-submit badge and the iframe button. */
function oldPostContent(oldPermalink: string): string {
  return `<p>Forty years in a shed, and it still takes a shaving.</p>
<p><a class="FlattrButton" style="display:none;" rev="flattr;uid:robin;button:compact;category:text;tags:tools,restoration;language:en_GB;" href="${oldPermalink}" title="${OLD_POST.title}">Before and after photos of a Stanley No. 4</a></p>
<noscript><a href="http://flattr.com/thing/312345/Restoring-a-hand-plane" target="_blank"><img src="http://api.flattr.com/button/flattr-badge-large.png" alt="Flattr this" title="Flattr this" border="0" /></a></noscript>
<script type="text/javascript">/* <![CDATA[ */ (function() { var s = document.createElement('script'), t = document.getElementsByTagName('script')[0]; s.type = 'text/javascript'; s.async = true; s.src = 'http://api.flattr.com/js/0.6/load.js?mode=auto'; t.parentNode.insertBefore(s, t); })(); /* ]]> */</script>
<p>My other planes: <a href="https://flattr.com/submit/auto?user_id=robin&amp;url=https%3A%2F%2Fworkshop-notes.example%2Fplanes&amp;title=Plane+collection&amp;language=en_GB" target="_blank"><img src="https://button.flattr.com/flattr-badge-large.png" alt="Flattr this" title="Flattr this" border="0"></a></p>
<p><iframe src="https://api.flattr.com/button/view/?url=https%3A%2F%2Fworkshop-notes.example%2Fsaws&amp;button=compact&amp;title=Saws" width="93" height="20" frameborder="0" scrolling="no"></iframe></p>`;
}

interface ButtonAttributes { url: string | null; title: string | null; creator: string | null; size: string | null; showCount: boolean; lang: string | null; fallback: { href: string; text: string } | null }

/** Reads the page as a reader without JavaScript gets it (Chromium's own HTML parser, no script runs). */
async function staticView(context: BrowserContext, url: string) {
  const page = await context.newPage();
  const response = await page.goto(url);
  assert.equal(response?.status(), 200, `${url} answers 200`);
  const view = await page.evaluate(() => ({
    payment: [...document.querySelectorAll('head link[rel="payment"]')].map((l) => (l as HTMLLinkElement).href),
    owner: [...document.querySelectorAll('meta[name="flattr:owner"]')].map((m) => m.getAttribute('content')),
    scripts: [...document.querySelectorAll('script[src*="/widget/flattr.js"]')].map((s) => ({
      src: s.getAttribute('src'), async: (s as HTMLScriptElement).async, api: s.getAttribute('data-api'),
    })),
    buttons: [...document.querySelectorAll('flattr-button')].map((b) => {
      const link = b.querySelector('a');
      return {
        url: b.getAttribute('url'), title: b.getAttribute('title'), creator: b.getAttribute('creator'), size: b.getAttribute('size'),
        showCount: b.hasAttribute('show-count'), lang: b.getAttribute('lang'),
        fallback: link ? { href: link.href, text: link.textContent ?? '' } : null,
      };
    }),
    html: document.documentElement.outerHTML,
  }));
  await page.close();
  view.payment = view.payment.map((href) => canonical(href)!);
  for (const button of view.buttons) if (button.fallback) button.fallback.href = canonical(button.fallback.href)!;
  return view as typeof view & { buttons: ButtonAttributes[] };
}

/** The service's no-script link for a thing, as the plugin writes it. */
function serviceLink(api: string, url: string, title: string, creator = 'Robin'): string {
  const link = new URL('/flattr', api);
  link.searchParams.set('url', url);
  link.searchParams.set('title', title);
  link.searchParams.set('creator', creator);
  return link.href;
}

/** One spelling of a URL's query (`%20` and `+` both mean a space), so links compare by what they say. */
function canonical(href: string | null): string | null {
  if (href === null) return null;
  const url = new URL(href);
  url.search = new URLSearchParams(url.searchParams).toString();
  return url.href;
}

describe('the Flattr plugin in a real WordPress (Debian package, PHP, MariaDB) with the real service', { skip }, () => {
  let server: TestServer;
  let wp: WordPress;
  let browser: Browser;
  let admin: BrowserContext;
  let adminPage: Page;
  let creator: TestUser;
  let newPermalink = '';
  let oldPermalink = '';

  before(async () => {
    [server, wp, browser] = await Promise.all([startTestServer(), startWordPress(), launchChromium()]);
    const bundle = await fetch(`${server.url}/widget/flattr.js`);
    assert.equal(bundle.status, 200, 'the widget is built (npm run build -w @flattr/widget)');
    creator = await signup(testClient(server.url), { name: 'Robin' });
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    admin.setDefaultTimeout(20_000);
    adminPage = await admin.newPage();
  });

  after(async () => {
    await admin?.close();
    await browser?.close();
    await wp?.stop();
    await server?.close();
  });

  /** The REST API as the logged-in blogger (cookie + the nonce WordPress hands to its own admin screens). */
  async function rest(method: 'GET' | 'POST', route: string, data?: unknown, query = '') {
    const nonce = await (await adminPage.request.get(`${wp.url}/wp-admin/admin-ajax.php?action=rest-nonce`)).text();
    const response = await adminPage.request.fetch(`${wp.url}/?rest_route=${encodeURIComponent(route)}${query && `&${query}`}`, {
      method, headers: { 'X-WP-Nonce': nonce }, data,
    });
    assert.ok(response.ok(), `${method} ${route}: ${response.status()} ${await response.text()}`);
    return response.json();
  }

  it('the blogger logs in, switches on pretty permalinks and has an old post with Flattr\'s 2011 embed code', async () => {
    await adminPage.goto(`${wp.url}/wp-login.php`);
    await adminPage.locator('#user_login').fill(wp.admin.user);
    await adminPage.locator('#user_pass').fill(wp.admin.password);
    await adminPage.locator('#wp-submit').click();
    await adminPage.waitForURL(/\/wp-admin\/?$/);

    await adminPage.goto(`${wp.url}/wp-admin/options-permalink.php`);
    await adminPage.locator(`input[name="selection"][value="${PERMALINKS}"]`).check();
    await adminPage.locator('#submit').click();
    await adminPage.getByText('Permalink structure updated.').waitFor();

    oldPermalink = `${wp.url}/2011/05/${OLD_POST.slug}/`;
    const post = await rest('POST', '/wp/v2/posts', {
      title: OLD_POST.title, slug: OLD_POST.slug, date: OLD_POST.date, status: 'publish', content: oldPostContent(oldPermalink),
    });
    assert.equal(post.link, oldPermalink);
    const before = await (await fetch(oldPermalink)).text();
    assert.match(before, /api\.flattr\.com\/js\/0\.6\/load\.js/, 'without the plugin the old loader is still in the page');
    assert.doesNotMatch(before, /<flattr-button/);
  });

  it('activates the plugin and saves its settings; a malformed account id is refused with a message', async () => {
    await adminPage.goto(`${wp.url}/wp-admin/plugins.php`);
    await adminPage.locator('tr[data-slug="flattr-button"] .activate a').click();
    await adminPage.getByText('Plugin activated.').waitFor();
    await adminPage.locator('tr[data-slug="flattr-button"]').getByRole('link', { name: 'Settings' }).click();
    await adminPage.waitForURL(/options-general\.php\?page=flattr-button/);

    await adminPage.getByLabel('Flattr service').fill(server.url);
    await adminPage.getByLabel('Your Flattr account id').fill('robin');
    // The browser's own check (pattern) stops the form first; the plugin's check on the server is what
    // counts, so the form is then sent without the browser's validation, as an old browser would.
    assert.equal(await adminPage.getByLabel('Your Flattr account id').evaluate((input) => (input as HTMLInputElement).validity.patternMismatch), true);
    await adminPage.locator('form[action="options.php"]').evaluate((form) => { (form as HTMLFormElement).noValidate = true; });
    await adminPage.getByRole('button', { name: 'Save Changes' }).click();
    await adminPage.getByText('Your Flattr account id is 24 characters').waitFor();
    assert.equal(await adminPage.getByLabel('Flattr service').inputValue(), server.url, 'the valid field is saved');
    assert.equal(await adminPage.getByLabel('Your Flattr account id').inputValue(), '', 'the bad id is not');

    await adminPage.getByLabel('Your Flattr account id').fill(creator.id);
    await adminPage.getByLabel('Your name on the service').fill('Robin');
    assert.ok(await adminPage.getByLabel('Add a button after every post').isChecked(), 'a button after each post is the default');
    await adminPage.getByRole('button', { name: 'Save Changes' }).click();
    await adminPage.getByText('Settings saved.').waitFor();
    assert.equal(await adminPage.getByLabel('Your Flattr account id').inputValue(), creator.id);
  });

  it('publishes a post in the block editor with the Flattr block and the [flattr] shortcode', async () => {
    await adminPage.goto(`${wp.url}/wp-admin/post-new.php`);
    await adminPage.waitForFunction(() => Boolean((window as any).wp?.blocks?.getBlockType?.('flattr/button')));
    const saved = await adminPage.evaluate(async ({ title, slug }) => {
      const { blocks, data } = (window as any).wp;
      data.dispatch('core/editor').editPost({ title, slug, status: 'publish' });
      data.dispatch('core/block-editor').resetBlocks([
        ...blocks.parse('<!-- wp:paragraph --><p>Flat the back first, then the bevel.</p><!-- /wp:paragraph -->'),
        ...blocks.parse('<!-- wp:shortcode -->[flattr button="compact" count="no"]<!-- /wp:shortcode -->'),
        blocks.createBlock('flattr/button', { size: 'large' }),
      ]);
      await data.dispatch('core/editor').savePost();
      const editor = data.select('core/editor');
      return { published: editor.isCurrentPostPublished(), link: editor.getCurrentPost().link as string, content: editor.getEditedPostContent() as string };
    }, NEW_POST);
    assert.ok(saved.published, 'published');
    assert.match(saved.content, /<!-- wp:flattr\/button \{"size":"large"\} \/-->/, 'the block is saved as a dynamic block');
    await adminPage.getByText('Flattr button for this post').first().waitFor();
    newPermalink = saved.link;
    assert.equal(newPermalink, `${wp.url}/${new Date().toISOString().slice(0, 4)}/${new Date().toISOString().slice(5, 7)}/${NEW_POST.slug}/`);
  });

  it('the post\'s page, read without JavaScript: one async script tag, rel="payment", the owner meta tag, three buttons with working links', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const view = await staticView(context, newPermalink);
    await context.close();

    assert.deepEqual(view.scripts, [{ src: `${server.url}/widget/flattr.js`, async: true, api: server.url }]);
    assert.deepEqual(view.owner, [creator.id]);
    const payment = serviceLink(server.url, newPermalink, NEW_POST.title);
    assert.deepEqual(view.payment, [payment]);

    const link = { href: payment, text: `Flattr ${NEW_POST.title}` };
    const common = { url: newPermalink, title: NEW_POST.title, creator: 'Robin', lang: null, fallback: link };
    assert.deepEqual(view.buttons, [
      { ...common, size: 'compact', showCount: false }, // [flattr button="compact" count="no"]
      { ...common, size: 'large', showCount: true }, // the block
      { ...common, size: 'compact', showCount: true }, // after the post (the settings' size)
    ]);
  });

  it('the old post: its 2011 embed became buttons, the dead loader and badges are gone', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const view = await staticView(context, oldPermalink);
    await context.close();

    assert.doesNotMatch(view.html, /api\.flattr\.com|flattr\.com\/(?:thing|submit)|class="FlattrButton"/, 'no trace of the old service is left');
    const fallback = (url: string, title: string, creator = 'Robin') => ({ href: serviceLink(server.url, url, title, creator), text: `Flattr ${title}` });
    assert.deepEqual(view.buttons, [
      // rev="flattr;uid:robin;button:compact;category:text;tags:…;language:en_GB;"
      { url: oldPermalink, title: OLD_POST.title, creator: 'robin', size: 'compact', showCount: true, lang: 'en-GB', fallback: fallback(oldPermalink, OLD_POST.title, 'robin') },
      // flattr.com/submit/auto?user_id=robin&url=…&title=Plane+collection&language=en_GB (size and counts: the settings')
      { url: 'https://workshop-notes.example/planes', title: 'Plane collection', creator: 'robin', size: 'compact', showCount: true, lang: 'en-GB', fallback: fallback('https://workshop-notes.example/planes', 'Plane collection', 'robin') },
      // api.flattr.com/button/view/?url=…&button=compact&title=Saws
      { url: 'https://workshop-notes.example/saws', title: 'Saws', creator: 'Robin', size: 'compact', showCount: true, lang: null, fallback: fallback('https://workshop-notes.example/saws', 'Saws') },
      // after the post
      { url: oldPermalink, title: OLD_POST.title, creator: 'Robin', size: 'compact', showCount: true, lang: null, fallback: fallback(oldPermalink, OLD_POST.title) },
    ]);
    const stored = await rest('GET', '/wp/v2/posts', undefined, `slug=${OLD_POST.slug}&context=edit`);
    assert.match(stored[0].content.raw, /class="FlattrButton"/, 'the stored post is unchanged: deactivating the plugin gives it back');
  });

  it('the RSS 2.0 and Atom feeds carry a rel="payment" link in each item and plain links in the content', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const read = async (path: string, kind: 'rss' | 'atom') => {
      const response = await fetch(`${wp.url}${path}`);
      assert.equal(response.status, 200);
      const xml = await response.text();
      // A real XML parser: a feed that is not well-formed fails here.
      return page.evaluate(({ xml, kind }) => {
        const doc = new DOMParser().parseFromString(xml, 'application/xml');
        if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror')!.textContent };
        const ATOM = 'http://www.w3.org/2005/Atom';
        const items = kind === 'rss' ? [...doc.getElementsByTagName('item')] : [...doc.getElementsByTagNameNS(ATOM, 'entry')];
        return {
          error: null,
          items: items.map((item) => {
            const links = [...item.getElementsByTagNameNS(ATOM, 'link')];
            return {
              link: kind === 'rss' ? item.getElementsByTagName('link')[0]!.textContent : links.find((l) => l.getAttribute('rel') === 'alternate')!.getAttribute('href'),
              payment: links.filter((l) => l.getAttribute('rel') === 'payment').map((l) => ({ href: l.getAttribute('href'), type: l.getAttribute('type') })),
              content: (kind === 'rss' ? item.getElementsByTagNameNS('http://purl.org/rss/1.0/modules/content/', 'encoded')[0] : item.getElementsByTagNameNS(ATOM, 'content')[0])?.textContent ?? '',
            };
          }),
        };
      }, { xml, kind });
    };
    for (const [path, kind] of [['/feed/', 'rss'], ['/feed/atom/', 'atom']] as const) {
      const feed = await read(path, kind);
      assert.equal(feed.error, null, `${path} is well-formed XML`);
      const byLink = new Map(feed.items!.map((item) => [item.link, item]));
      for (const [permalink, title] of [[newPermalink, NEW_POST.title], [oldPermalink, OLD_POST.title]] as const) {
        const item = byLink.get(permalink);
        assert.ok(item, `${path} has ${permalink}`);
        assert.deepEqual(item.payment.map((p) => ({ ...p, href: canonical(p.href) })), [{ href: serviceLink(server.url, permalink, title), type: 'text/html' }], `${path}: ${title}`);
        assert.doesNotMatch(item.content, /<flattr-button|api\.flattr\.com/, `${path}: no element or old loader in a feed`);
      }
      assert.match(byLink.get(newPermalink)!.content, /<a href="[^"]*\/flattr\?url=[^"]*" rel="payment">Flattr Sharpening a plane iron<\/a>/);
    }
    await context.close();
  });

  it('the service verifies the site by the plugin\'s meta tag, so the blogger owns the posts\' things', async () => {
    const api = testClient(server.url);
    const site = await api.post('/v1/sites', { url: wp.url }, { token: creator.token });
    assert.equal(site.status, 201, site.text);
    const verified = await api.post(`/v1/sites/${site.body.id}/verify`, {}, { token: creator.token });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.site.method, 'meta');
  });

  it('a reader flattrs the new post in Chromium: the buttons render, the confirm window records it, the count moves', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const hosts = new Set<string>();
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    await page.goto(newPermalink);
    for (let i = 0; i < 3; i++) {
      const view = await settledButton(page, i);
      assert.equal(view.state, 'ready', `button ${i} is ready`);
    }
    assert.equal((await viewOf(page, 1)).count, '0');

    const popupOpened = page.waitForEvent('popup');
    await page.locator('flattr-button').nth(1).locator('button').first().click();
    const popup = await popupOpened;
    assert.equal(new URL(popup.url()).origin, server.url, 'the window is on the service\'s origin');
    const reader = { email: `reader-${randomBytes(4).toString('hex')}@example.test`, password: 'a long enough password', name: 'Reader' };
    await signUpPopup(popup, reader);
    await popup.getByRole('heading', { name: `Flattr ${NEW_POST.title} by Robin?` }).waitFor();
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Flattr', exact: true }).click();
    await closed;

    const flattred = await buttonInState(page, 1, 'flattred');
    assert.equal(flattred.count, '1');
    const thing = await server.db.collection('things').findOne({ title: NEW_POST.title });
    assert.ok(thing, 'the service recorded the thing');
    assert.equal(thing.ownerId?.toHexString(), creator.id, 'owned by the blogger, whose site the service verified');
    assert.equal(await server.db.collection('flattrs').countDocuments({ thingId: thing._id }), 1);
    assert.deepEqual([...hosts].sort(), [new URL(server.url).host, new URL(wp.url).host].sort(), 'the page talks only to the blog and the service');
    await context.close();
  });

  it('a reader without JavaScript follows the post\'s Flattr link to the service, logs in, confirms on the full page and is back on the post', async () => {
    const reader = await signup(testClient(server.url), { name: 'Reader without scripts' });
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto(newPermalink);
    // The link inside <flattr-button> (the element never upgrades without scripts); the plugin wrote it for every button.
    const link = page.getByRole('link', { name: `Flattr ${NEW_POST.title}` }).first();
    assert.equal(canonical(await link.evaluate((a) => (a as HTMLAnchorElement).href)), serviceLink(server.url, newPermalink, NEW_POST.title));
    await link.click();

    await page.waitForURL(/\/account\/login/);
    assert.equal(new URL(page.url()).origin, server.url, 'the link leads to the service');
    await page.getByLabel('Email').fill(reader.email);
    await page.getByLabel('Password').fill(reader.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/widget\/confirm/);
    assert.equal(new URL(page.url()).searchParams.get('return'), newPermalink, 'the service will send the reader back to the post');
    await page.getByRole('heading', { name: `Flattr ${NEW_POST.title} by Robin?` }).waitFor();
    const thing = await server.db.collection('things').findOne({ title: NEW_POST.title });
    const flattrs = () => server.db.collection('flattrs').countDocuments({ thingId: thing!._id });
    const before = await flattrs();

    await page.getByRole('button', { name: 'Flattr', exact: true }).click();
    await page.waitForURL(newPermalink);
    await page.getByRole('heading', { name: NEW_POST.title }).first().waitFor();
    assert.equal(await flattrs(), before + 1, 'the flattr is recorded');
    const counts = await testClient(server.url).get(`/v1/counts?url=${encodeURIComponent(newPermalink)}`);
    assert.equal(counts.body.counts[newPermalink].count, before + 1);
    await context.close();
  });

  it('the service finds the posts in the blog\'s feeds by their rel="payment" links (what a feed reader or podcast app asks)', async () => {
    const reader = await signup(testClient(server.url));
    for (const path of ['/feed/', '/feed/atom/']) {
      const res = await testClient(server.url).post('/v1/things/discover', { url: `${wp.url}${path}` }, { token: reader.token });
      assert.equal(res.status, 200, `${path}: ${res.text.slice(0, 300)}`);
      assert.equal(res.body.kind, 'feed', path);
      const found = new Map<string, { title: string; creator: string; flattrUrl: string; count: number }>(res.body.things.map((t: any) => [t.url, t]));
      for (const [permalink, title] of [[newPermalink, NEW_POST.title], [oldPermalink, OLD_POST.title]] as const) {
        const thing = found.get(permalink);
        assert.ok(thing, `${path} offers ${permalink} (found ${[...found.keys()].join(', ')})`);
        assert.equal(thing.title, title, path);
        assert.equal(thing.creator, 'Robin', path);
        assert.equal(canonical(thing.flattrUrl), serviceLink(server.url, permalink, title), path);
      }
      assert.equal(found.get(newPermalink)!.count, 2, `${path}: the new post's count (flattred with and without JavaScript)`);
    }
  });

  it('the old post\'s upgraded buttons work in Chromium and nothing asks the old flattr.com', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const hosts = new Set<string>();
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    await page.goto(oldPermalink);
    for (let i = 0; i < 4; i++) assert.equal((await settledButton(page, i)).state, 'ready', `button ${i} is ready`);
    assert.ok(![...hosts].some((host) => host.endsWith('flattr.com')), `no request to flattr.com (${[...hosts].join(', ')})`);
    await context.close();
  });

  it('WordPress logged no notice, warning or error from the plugin', async () => {
    const log = await wp.debugLog();
    const ours = log.split('\n').filter((line) => line.includes('/plugins/flattr-button/'));
    assert.deepEqual(ours, []);
  });
});
