import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { startTestServer, signup, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';
import { issueSiteToken } from '../src/auth/index.js';

const BLOG = 'http://blog.example:8081';

function confirmPath(fields: Record<string, string>): string {
  return `/widget/confirm?${new URLSearchParams(fields)}`;
}

/** The JSON block the result page hands to its script. */
function resultData(html: string): { origin: string; message: Record<string, any> } {
  const match = /<script type="application\/json" id="flattr-result">([^<]*)<\/script>/.exec(html);
  assert.ok(match, 'the result page carries its data block');
  return JSON.parse(match[1]!);
}

describe('the confirm window (/widget/confirm)', () => {
  let server: TestServer;
  let api: TestClient;
  let serial = 0;

  /** A reader logged in on the service's pages, and a fresh thing URL for each test. */
  async function readerWithSession(): Promise<{ user: TestUser; browser: PageBrowser; input: Record<string, string> }> {
    const user = await signup(api);
    const browser = new PageBrowser(server.url);
    await browser.logIn(user.email, user.password);
    serial += 1;
    const input = { url: `${BLOG}/posts/${serial}`, title: `Post ${serial}`, creator: 'ada', origin: BLOG };
    return { user, browser, input };
  }

  async function confirmForm(browser: PageBrowser, input: Record<string, string>): Promise<Record<string, string>> {
    const page = await browser.get(confirmPath(input));
    assert.equal(page.status, 200);
    const fields: Record<string, string> = { _csrf: hiddenField(page.text, '_csrf') };
    for (const name of ['url', 'title', 'creator', 'origin']) fields[name] = hiddenField(page.text, name);
    return fields;
  }

  const flattrsOf = (user: TestUser) => server.db.collection('flattrs').countDocuments({ readerId: new ObjectId(user.id) });
  const siteTokensOf = (user: TestUser) => server.db.collection('site_tokens').find({ userId: new ObjectId(user.id) }).toArray();

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  it('sends a reader without a session to the login page, which comes back to the same confirm URL', async () => {
    const path = confirmPath({ url: 'https://blog.example/a', title: 'A', creator: 'ada', origin: BLOG });
    const res = await new PageBrowser(server.url).get(path);
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!, server.url);
    assert.equal(location.pathname, '/account/login');
    assert.equal(location.searchParams.get('next'), path);
    const login = await new PageBrowser(server.url).get(`${location.pathname}${location.search}`);
    assert.match(login.text, /href="\/account\/signup\?next=%2Fwidget%2Fconfirm/, 'the login page offers signup with the same next');
  });

  it('keeps the window\'s opener on the login trip (COOP unsafe-none) and only there', async () => {
    const browser = new PageBrowser(server.url);
    const next = confirmPath({ url: 'https://blog.example/a', origin: BLOG });
    const trip = await browser.get(`/account/login?${new URLSearchParams({ next })}`);
    assert.equal(trip.headers.get('cross-origin-opener-policy'), 'unsafe-none');
    assert.equal((await browser.get(`/account/signup?${new URLSearchParams({ next })}`)).headers.get('cross-origin-opener-policy'), 'unsafe-none');
    const user = await signup(api);
    const post = await browser.postForm('/account/login', { _csrf: hiddenField(trip.text, '_csrf'), email: user.email, password: user.password, next });
    assert.equal(post.status, 303);
    assert.equal(post.headers.get('location'), next);
    assert.equal(post.headers.get('cross-origin-opener-policy'), 'unsafe-none');
    assert.equal((await browser.get('/account/login')).headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal((await browser.get('/account/login?next=%2Fsettings')).headers.get('cross-origin-opener-policy'), 'same-origin');
  });

  it('refuses an origin that is not exactly an http(s) origin with 400 invalid_origin', async () => {
    const browser = new PageBrowser(server.url);
    for (const origin of ['', 'null', 'javascript:alert(1)', 'https://blog.example/', 'https://blog.example/path', 'ftp://blog.example', 'https://blog.example:443', '*']) {
      const res = await browser.get(confirmPath({ url: 'https://blog.example/a', origin }));
      assert.equal(res.status, 400, `origin ${JSON.stringify(origin)}`);
      assert.match(res.text, /data-code="(invalid_origin|validation_failed)"/);
    }
    const missing = await browser.get('/widget/confirm?url=https%3A%2F%2Fblog.example%2Fa');
    assert.equal(missing.status, 400);
  });

  it('refuses a url that is not http(s) with 400 invalid_url', async () => {
    const { browser } = await readerWithSession();
    for (const url of ['', 'not a url', 'javascript:alert(1)', 'ftp://blog.example/file', 'https://user:pw@blog.example/']) {
      const res = await browser.get(confirmPath({ url, origin: BLOG }));
      assert.equal(res.status, 400, `url ${JSON.stringify(url)}`);
      assert.match(res.text, /data-code="(invalid_url|validation_failed)"/);
    }
  });

  it('asks "Flattr ‹title› by ‹creator›?" with the site origin, a one-click checkbox and a CSRF token, and records nothing', async () => {
    const { user, browser, input } = await readerWithSession();
    const res = await browser.get(confirmPath({ ...input, title: 'Tips <b>&</b> tricks' }));
    assert.equal(res.status, 200);
    assert.match(res.text, /Flattr <q>Tips &lt;b&gt;&amp;&lt;\/b&gt; tricks<\/q> by <span class="creator">ada<\/span>\?/);
    assert.match(res.text, /<dd class="origin">http:\/\/blog\.example:8081<\/dd>/);
    assert.match(res.text, /<input type="checkbox" name="oneClick" value="1"[^>]*> One click on this site \(http:\/\/blog\.example:8081\)/);
    assert.match(res.text, /up to <strong class="cap">10<\/strong> flattrs a month/, 'the window says how far one click goes');
    assert.match(res.text, /<button type="submit" class="flattr" autofocus>Flattr<\/button>/);
    assert.ok(hiddenField(res.text, '_csrf').length >= 32);
    assert.match(res.text, /href="\/settings"/);
    assert.equal(await flattrsOf(user), 0);
    assert.equal(await server.db.collection('things').countDocuments({ url: input.url }), 0);
  });

  it('sends a strict CSP, refuses framing, keeps the opener, is never cached, and has no inline script', async () => {
    const { browser, input } = await readerWithSession();
    for (const res of [await browser.get(confirmPath(input)), await browser.get(confirmPath({ ...input, origin: 'bad' }))]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
        assert.ok(csp.split(/;\s*/).includes(directive), `CSP has ${directive}: ${csp}`);
      }
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('cross-origin-opener-policy'), 'unsafe-none');
      for (const tag of res.text.match(/<script\b[^>]*>/g) ?? []) {
        assert.ok(/\bsrc="\/widget\/static\//.test(tag) || /type="application\/json"/.test(tag), `no inline script: ${tag}`);
      }
    }
  });

  it('refuses a POST without the CSRF token, with a wrong one, or from another origin (403), recording nothing', async () => {
    const { user, browser, input } = await readerWithSession();
    const fields = await confirmForm(browser, input);
    const { _csrf, ...withoutToken } = fields;
    const attempts = [
      await browser.postForm('/widget/confirm', withoutToken),
      await browser.postForm('/widget/confirm', { ...fields, _csrf: 'x'.repeat(43) }),
      await browser.postForm('/widget/confirm', fields, { origin: BLOG }),
      // The pre-login double-submit cookie is not the session's token: a sibling origin could plant it.
      await browser.postForm('/widget/confirm', { ...fields, _csrf: browser.cookies.get('flattr_csrf') ?? 'none' }),
    ];
    for (const res of attempts) {
      assert.equal(res.status, 403);
      assert.match(res.text, /data-code="csrf_failed"/);
    }
    assert.equal(await flattrsOf(user), 0);
  });

  it('records one flattr on POST and renders a result that posts to exactly the opener origin', async () => {
    const { user, browser, input } = await readerWithSession();
    const res = await browser.postForm('/widget/confirm', await confirmForm(browser, input));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const data = resultData(res.text);
    assert.equal(data.origin, BLOG);
    const thing = await server.db.collection('things').findOne({ url: input.url });
    assert.ok(thing);
    assert.deepEqual(Object.keys(data.message).sort(), ['count', 'flattrId', 'ok', 'period', 'thingId', 'type', 'url']);
    assert.equal(data.message.type, 'flattr:result');
    assert.equal(data.message.ok, true);
    assert.equal(data.message.url, input.url);
    assert.equal(data.message.thingId, thing._id.toHexString());
    assert.equal(data.message.count, 1);
    assert.match(data.message.period, /^\d{4}-\d{2}$/);
    assert.match(res.text, /<script src="\/widget\/static\/confirm-result\.js" defer><\/script>/);
    assert.equal(await flattrsOf(user), 1);
    assert.equal(thing.claimedCreator, 'ada');
    assert.deepEqual(await siteTokensOf(user), [], 'no site token without the tick');
  });

  it('counts a second confirmation of the same page this month once', async () => {
    const { user, browser, input } = await readerWithSession();
    await browser.postForm('/widget/confirm', await confirmForm(browser, input));
    const again = await browser.get(confirmPath(input));
    assert.match(again.text, /already flattred this page this month/);
    const res = await browser.postForm('/widget/confirm', await confirmForm(browser, input));
    assert.equal(resultData(res.text).message.count, 1);
    assert.equal(await flattrsOf(user), 1);
  });

  it('issues a site token bound to the origin only when "one click on this site" is ticked', async () => {
    const { user, browser, input } = await readerWithSession();
    const res = await browser.postForm('/widget/confirm', { ...await confirmForm(browser, input), oneClick: '1' });
    const { message } = resultData(res.text);
    assert.match(message.siteToken, /^fsite_/);
    const tokens = await siteTokensOf(user);
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]!.origin, BLOG);

    const other = { url: `${input.url}/next`, title: 'Next' };
    const fromBlog = await api.post('/v1/flattrs', other, { token: message.siteToken, headers: { origin: BLOG } });
    assert.equal(fromBlog.status, 201);
    const fromElsewhere = await api.post('/v1/flattrs', { url: `${input.url}/third` }, { token: message.siteToken, headers: { origin: 'https://evil.example' } });
    assert.equal(fromElsewhere.status, 403);
    assert.equal(fromElsewhere.body.code, 'origin_mismatch');
    assert.equal(await flattrsOf(user), 2);
  });

  it('offers one click only for a page on the asking site, and issues no token for another site\'s page even when ticked', async () => {
    const { user, browser, input } = await readerWithSession();
    const elsewhere = { ...input, url: 'https://other-site.example/post' };
    const page = await browser.get(confirmPath(elsewhere));
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /name="oneClick"/);
    assert.match(page.text, /One click is offered only for pages on the site that asks/);
    const res = await browser.postForm('/widget/confirm', { ...await confirmForm(browser, elsewhere), oneClick: '1' });
    const { message } = resultData(res.text);
    assert.equal(message.ok, true);
    assert.equal(message.siteToken, undefined);
    assert.deepEqual(await siteTokensOf(user), []);
    assert.equal(await flattrsOf(user), 1, 'the flattr itself is recorded');
  });

  it('shows the cap the reader set for the site when they already have one click there', async () => {
    const { user, browser, input } = await readerWithSession();
    const { siteToken } = await issueSiteToken(server.ctx, user.id, BLOG);
    assert.equal((await api.patch(`/v1/me/site-tokens/${siteToken.id}`, { monthlyCap: 25 }, { token: user.token })).status, 200);
    const page = await browser.get(confirmPath(input));
    assert.match(page.text, /up to <strong class="cap">25<\/strong> flattrs a month/);
  });

  it('reports a refused flattr to the opener as ok: false, and issues no site token even when ticked', async () => {
    const { user, browser, input } = await readerWithSession();
    const fields = { ...await confirmForm(browser, input), oneClick: '1' };
    const period = new Date().toISOString().slice(0, 7);
    await server.db.collection('distributions').insertOne({ _id: period as never, test: true });
    try {
      const res = await browser.postForm('/widget/confirm', fields);
      assert.equal(res.status, 409);
      const { origin, message } = resultData(res.text);
      assert.equal(origin, BLOG);
      assert.deepEqual(Object.keys(message).sort(), ['code', 'detail', 'ok', 'type']);
      assert.equal(message.ok, false);
      assert.equal(message.code, 'period_distributed');
      assert.equal(await flattrsOf(user), 0);
      assert.deepEqual(await siteTokensOf(user), []);
    } finally {
      await server.db.collection('distributions').deleteOne({ _id: period as never });
    }
  });

  it('asks "Flattr this page?" when the button has no title or creator', async () => {
    const { browser } = await readerWithSession();
    const res = await browser.get(confirmPath({ url: 'https://blog.example/untitled', title: '', creator: '', origin: BLOG }));
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1 id="question">Flattr this page\?<\/h1>/);
    assert.doesNotMatch(res.text, /name="title"|name="creator"/);
  });

  it('sends a POST whose session is gone back to the login page (to the form, not a replayed POST)', async () => {
    const { user, browser, input } = await readerWithSession();
    const fields = await confirmForm(browser, input);
    browser.cookies.delete('flattr_session');
    const res = await browser.postForm('/widget/confirm', fields);
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!, server.url);
    assert.equal(location.pathname, '/account/login');
    assert.equal(location.searchParams.get('next'), confirmPath(input));
    assert.equal(await flattrsOf(user), 0);
  });

  it('serves the result script, which posts only to the embedded origin and listens to no messages', async () => {
    const res = await api.get('/widget/static/confirm-result.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.match(res.text, /opener\.postMessage\(data\.message, data\.origin\)/);
    assert.doesNotMatch(res.text, /postMessage\([^)]*'\*'/);
    assert.doesNotMatch(res.text, /addEventListener\(\s*['"]message/);
  });
});
