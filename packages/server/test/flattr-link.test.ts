import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { returnTarget } from '../src/widget/index.js';
import { startTestServer, signup, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

const POST = 'https://blog.example/posts/1';

describe('the plain Flattr link (/flattr): no script on the page', () => {
  let server: TestServer;
  let api: TestClient;
  let serial = 0;

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  async function reader(): Promise<{ user: TestUser; browser: PageBrowser }> {
    const user = await signup(api);
    const browser = new PageBrowser(server.url);
    await browser.logIn(user.email, user.password);
    return { user, browser };
  }

  const link = (fields: Record<string, string>) => `/flattr?${new URLSearchParams(fields)}`;
  const flattrsOf = (user: TestUser) => server.db.collection('flattrs').countDocuments({ readerId: new ObjectId(user.id) });

  /** Follows /flattr to the confirm page (both on the service). */
  async function confirmPage(browser: PageBrowser, fields: Record<string, string>, referer?: string) {
    const res = await browser.get(link(fields), referer ? { referer } : {});
    assert.equal(res.status, 303, res.text.slice(0, 300));
    const location = new URL(res.headers.get('location')!, server.url);
    assert.equal(location.origin, server.url, 'the link goes to the service\'s own confirm page');
    assert.equal(location.pathname, '/widget/confirm');
    return { location, page: await browser.get(`${location.pathname}${location.search}`) };
  }

  it('goes to the confirm page as a full page (return, not origin) and records nothing', async () => {
    const { user, browser } = await reader();
    serial += 1;
    const url = `${POST}?n=${serial}`;
    const { location, page } = await confirmPage(browser, { url, title: 'Post <1>', creator: 'ada' });
    assert.equal(location.searchParams.get('return'), url);
    assert.equal(location.searchParams.get('origin'), null);
    assert.equal(page.status, 200);
    assert.match(page.text, /Flattr <q>Post &lt;1&gt;<\/q> by <span class="creator">ada<\/span>\?/);
    assert.match(page.text, /<dd class="return">https:\/\/blog\.example\/posts\/1\?n=\d+<\/dd>/);
    assert.doesNotMatch(page.text, /name="oneClick"/, 'no one-click offer: a token could not reach the page');
    assert.match(page.text, /<a class="cancel" href="https:\/\/blog\.example\/posts\/1\?n=\d+">Cancel<\/a>/);
    assert.match(page.headers.get('content-security-policy') ?? '', /form-action 'self' https:\/\/blog\.example(;|$)/, 'the form may end on the blog');
    assert.equal(await flattrsOf(user), 0);
    assert.equal(await server.db.collection('things').countDocuments({ url }), 0);
  });

  it('records the flattr on confirmation and goes back to the page (303), issuing no site token even when asked', async () => {
    const { user, browser } = await reader();
    const { page } = await confirmPage(browser, { url: POST, title: 'Post 1' });
    const fields: Record<string, string> = { oneClick: '1' };
    for (const name of ['_csrf', 'url', 'title', 'return']) fields[name] = hiddenField(page.text, name);
    const res = await browser.postForm('/widget/confirm', fields);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), POST);
    assert.equal(await flattrsOf(user), 1);
    assert.equal(await server.db.collection('site_tokens').countDocuments({ userId: new ObjectId(user.id) }), 0);
  });

  it('shows a refusal with a link back, and keeps the CSRF check of the window', async () => {
    const { user, browser } = await readerWithOwnThing();
    const { page } = await confirmPage(browser, { url: 'https://own.example/post' });
    const fields: Record<string, string> = {};
    for (const name of ['_csrf', 'url', 'return']) fields[name] = hiddenField(page.text, name);
    const forged = await browser.postForm('/widget/confirm', { ...fields, _csrf: 'x'.repeat(43) });
    assert.equal(forged.status, 403);
    const refused = await browser.postForm('/widget/confirm', fields);
    assert.equal(refused.status, 422);
    assert.match(refused.text, /data-code="own_thing"/);
    assert.match(refused.text, /<a class="back" href="https:\/\/own\.example\/post" autofocus>Back to https:\/\/own\.example\/post<\/a>/);
    assert.doesNotMatch(refused.text, /id="flattr-result"/, 'nothing is posted to any window');
    assert.equal(await flattrsOf(user), 0);

    async function readerWithOwnThing() {
      const r = await reader();
      await server.db.collection('things').insertOne({
        url: 'https://own.example/post', host: 'own.example', title: 'Mine', tags: [], ownerId: new ObjectId(r.user.id),
        claimedCreator: null, flattrCount: 0, createdAt: new Date(),
      });
      return r;
    }
  });

  it('sends a reader without a session through login and back to the full-page confirm', async () => {
    const browser = new PageBrowser(server.url);
    const first = await browser.get(link({ url: POST }));
    const confirm = first.headers.get('location')!;
    const login = await browser.get(confirm);
    assert.equal(login.status, 303);
    const next = new URL(login.headers.get('location')!, server.url);
    assert.equal(next.pathname, '/account/login');
    assert.equal(next.searchParams.get('next'), confirm);
    assert.match(next.searchParams.get('next')!, /[?&]return=/);
  });

  it('returns to the referring page only when it is a full URL on the thing\'s own origin', async () => {
    const { browser } = await reader();
    const cases: Array<[string | undefined, string]> = [
      [undefined, POST],
      ['https://blog.example/', POST], // only the origin: what browsers send across sites by default
      ['https://blog.example/archive?page=2#top', 'https://blog.example/archive?page=2'],
      ['https://evil.example/phish', POST],
      ['https://blog.example.evil.example/x', POST],
      ['http://blog.example/archive', POST], // another scheme is another origin
      ['https://user:pw@blog.example/archive', POST],
      ['not a url', POST],
    ];
    // The service's own public pages, whose buttons fall back to this link too: back to them.
    const thingPage = `${server.url}/things/0123456789abcdef01234567`;
    cases.push([`${thingPage}?lang=de`, `${thingPage}?lang=de`], [`${server.url}/creators/0123456789abcdef01234567`, `${server.url}/creators/0123456789abcdef01234567`],
      [`${server.url}/things?url=${encodeURIComponent(POST)}`, `${server.url}/things?url=${encodeURIComponent(POST)}`],
      [`${server.url}/account`, POST], [`${server.url}/`, POST], [`${server.url}/thingsandmore`, POST]);
    for (const [referer, expected] of cases) {
      const { location } = await confirmPage(browser, { url: POST }, referer);
      assert.equal(location.searchParams.get('return'), expected, `Referer ${referer}`);
    }
  });

  it('is no open redirect: a return on another origin, given to the confirm page directly, is refused (400)', async () => {
    const { browser } = await reader();
    for (const target of ['https://evil.example/', '//evil.example/', 'javascript:alert(1)', 'https://blog.example.evil.example/', 'data:text/html,x', '/relative',
      // The service's own origin only for its public pages.
      `${server.url}/account`, `${server.url}/`, `${server.url}/things.evil`]) {
      const res = await browser.get(`/widget/confirm?${new URLSearchParams({ url: POST, return: target })}`);
      assert.equal(res.status, 400, target);
      assert.match(res.text, /data-code="invalid_return"/, target);
    }
    const own = await browser.get(`/widget/confirm?${new URLSearchParams({ url: POST, return: `${server.url}/things/0123456789abcdef01234567` })}`);
    assert.equal(own.status, 200, 'a public page of the service is a way back');
    assert.match(own.headers.get('content-security-policy') ?? '', /form-action 'self' http:\/\/127\.0\.0\.1:\d+(;|$)/);
    const both = await browser.get(`/widget/confirm?${new URLSearchParams({ url: POST, return: POST, origin: 'https://blog.example' })}`);
    assert.equal(both.status, 400);
    // /flattr takes no return of its own: a `return` in the link is ignored.
    const { location } = await confirmPage(browser, { url: POST, return: 'https://evil.example/' });
    assert.equal(location.searchParams.get('return'), POST);
  });

  it('answers bad links with a 400 page naming the field, never a redirect', async () => {
    const browser = new PageBrowser(server.url);
    const cases: Array<[string, string]> = [
      ['/flattr', 'invalid_url'],
      [link({ url: 'javascript:alert(1)' }), 'invalid_url'],
      [link({ url: 'https://user:pw@blog.example/' }), 'invalid_url'],
      [link({ url: POST, title: 'x'.repeat(301) }), 'validation_failed'],
      [`/flattr?url=${encodeURIComponent(POST)}&url=${encodeURIComponent(POST)}`, 'invalid_url'],
    ];
    for (const [path, code] of cases) {
      const res = await browser.get(path);
      assert.equal(res.status, 400, path);
      assert.match(res.text, new RegExp(`data-code="${code}"`), path);
      assert.equal(res.headers.get('location'), null);
      assert.doesNotMatch(res.text, /id="close"/, 'no Close button on a page that is not a window');
    }
  });

  it('gives the reader\'s (truthful) page URL in the return, whichever spelling the link used', () => {
    assert.equal(returnTarget('https://Blog.example:443/a', 'https://blog.example/b'), 'https://blog.example/b');
    assert.equal(returnTarget('https://blog.example/a#c', undefined), 'https://blog.example/a#c');
  });
});
