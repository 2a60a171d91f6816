import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { snippetsFor } from '../src/badges/index.js';
import { distributePeriod } from '../src/distribution/index.js';
import { earningsOf } from '../src/earnings/index.js';
import { manualProvider, recordDeposit } from '../src/deposits/index.js';
import { accounts, balanceOf } from '../src/money/index.js';
import { ESCROW, releaseDeadline } from '../src/sites/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { login, signup, startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { figureOf, hiddenField, loggedIn, rowOf, verifiedCreator } from './helpers/pages.js';

describe('the creator\'s page (/creator)', () => {
  let server: TestServer;
  let api: TestClient;
  const sites: ProofServer[] = [];

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000' } });
    api = testClient(server.url);
    server.clock.set('2026-07-10T10:00:00Z');
  });
  after(async () => {
    for (const site of sites) await site.close();
    await server.close();
  });

  const newSite = async () => {
    const site = await startProofServer();
    sites.push(site);
    return site;
  };

  it('sends a visitor without a session to the login page', async () => {
    const res = await fetch(`${server.url}/creator`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/login?next=%2Fcreator');
  });

  it('adds a site, shows the exact proof to place, says why a check fails, and verifies once the proof is there', async () => {
    const { user, browser } = await loggedIn(server, api);
    const site = await newSite();
    let page = await browser.get('/creator');
    const csrf = hiddenField(page.text, '_csrf');
    const added = await browser.postForm('/creator/sites', { _csrf: csrf, url: site.origin });
    assert.equal(added.headers.get('location'), '/creator?done=site-added#sites');
    page = await browser.get('/creator');
    const siteId = /data-site="([0-9a-f]{24})"/.exec(page.text)![1]!;
    assert.ok(page.text.includes(`${site.origin}/.well-known/flattr`), 'names the file');
    assert.ok(page.text.includes(`&lt;meta name=&quot;flattr:owner&quot; content=&quot;${user.id}&quot;&gt;`), 'shows the meta tag with the user id');

    const failed = await browser.postForm(`/creator/sites/${siteId}/verify`, { _csrf: csrf });
    assert.equal(failed.status, 422);
    assert.match(failed.text, /data-code="proof_not_found"/);
    assert.match(failed.text, /neither the file nor the tag was found/);

    site.pages.set('/.well-known/flattr', { body: '0123456789abcdef01234567\n' });
    const mismatch = await browser.postForm(`/creator/sites/${siteId}/verify`, { _csrf: csrf });
    assert.equal(mismatch.status, 422);
    assert.match(mismatch.text, /data-code="proof_mismatch"/);

    site.pages.set('/.well-known/flattr', { body: `${user.id}\n` });
    const ok = await browser.postForm(`/creator/sites/${siteId}/verify`, { _csrf: csrf });
    assert.equal(ok.headers.get('location'), '/creator?done=verified#sites');
    page = await browser.get('/creator?done=verified');
    assert.match(rowlessSite(page.text, siteId), /class="badge ok">verified/);
    assert.doesNotMatch(rowlessSite(page.text, siteId), /Check now/);
    const other = await signup(api);
    const refused = await browser.postForm(`/creator/sites/${siteId}/verify`, { _csrf: csrf });
    assert.equal(refused.status, 303, 'checking a verified site again is harmless');
    const { browser: otherBrowser } = await loggedIn(server, api, other);
    const foreign = await otherBrowser.postForm(`/creator/sites/${siteId}/verify`, { _csrf: hiddenField((await otherBrowser.get('/creator')).text, '_csrf') });
    assert.equal(foreign.status, 404, 'another user\'s site is not found');
  });

  it('shows escrow waiting per month with the date it returns, then things, counts and earnings as the journal has them', async () => {
    const { user, browser } = await loggedIn(server, api);
    const site = await newSite();
    const reader = await signup(api);
    await recordDeposit(server.ctx, manualProvider, { userId: reader.id, amount: 5000, reference: `esc-${reader.id}` });
    await api.patch('/v1/me', { budget: 1000 }, { token: reader.token });
    for (const path of ['/one', '/two']) {
      assert.equal((await api.post('/v1/flattrs', { url: `${site.origin}${path}`, title: path }, { token: reader.token })).status, 201);
    }
    const csrf = hiddenField((await browser.get('/creator')).text, '_csrf');
    await browser.postForm('/creator/sites', { _csrf: csrf, url: site.origin });
    server.clock.set('2026-08-01T00:00:01Z');
    assert.equal((await distributePeriod(server.ctx, '2026-07')).run?.status, 'done');

    let page = await browser.get('/creator');
    const siteId = /data-site="([0-9a-f]{24})"/.exec(page.text)![1]!;
    const held = await server.db.collection(ESCROW).aggregate<{ total: number }>([
      { $match: { period: '2026-07', state: 'held' } }, { $lookup: { from: 'things', localField: 'thingId', foreignField: '_id', as: 't' } },
      { $match: { 't.host': site.host } }, { $group: { _id: null, total: { $sum: '$amount' } } },
    ]).toArray();
    const row = rowOf(page.text, 'data-escrow', '2026-07');
    assert.match(row, new RegExp(`data-amount="${held[0]!.total}"`));
    assert.equal(held[0]!.total, 1000);
    assert.ok(row.includes(new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(releaseDeadline('2026-07', 6))));

    site.pages.set('/.well-known/flattr', { body: user.id });
    await browser.postForm(`/creator/sites/${siteId}/verify`, { _csrf: csrf });
    await login(api, reader);
    const thing = (await api.get(`/v1/things?url=${encodeURIComponent(`${site.origin}/one`)}`)).body;
    await api.post('/v1/flattrs', { thingId: thing.id }, { token: reader.token });

    page = await browser.get('/creator');
    assert.doesNotMatch(page.text, /data-escrow=/, 'released on verification');
    assert.match(rowOf(page.text, 'data-thing', thing.id), /data-col="month-count">1</);
    const earnings = await earningsOf(server.ctx, user.id);
    assert.equal(figureOf(page.text, 'earnings-net'), earnings.totals.net);
    assert.equal(figureOf(page.text, 'earnings-fee'), earnings.totals.fee);
    assert.equal(earnings.totals.net, 900, '1000 released from escrow, less 10 % fee');
    assert.equal(figureOf(page.text, 'payout-available'), await balanceOf(server.db, accounts.user(user.id)));
    assert.match(page.text, /<svg class="chart"[^>]*role="img"/);
  });

  it('requests a payout from the balance and refuses more than the balance', async () => {
    const creator = await verifiedCreator(server, api);
    sites.push(creator.site);
    await recordDeposit(server.ctx, manualProvider, { userId: creator.user.id, amount: 3000, reference: `pay-${creator.user.id}` });
    const csrf = hiddenField((await creator.browser.get('/creator')).text, '_csrf');
    const tooMuch = await creator.browser.postForm('/creator/payouts', { _csrf: csrf, amount: '30.01' });
    assert.equal(tooMuch.status, 422);
    assert.match(tooMuch.text, /data-code="insufficient_funds"/);
    assert.equal((await creator.browser.postForm('/creator/payouts', { _csrf: csrf, amount: 'lots' })).status, 400);
    const ok = await creator.browser.postForm('/creator/payouts', { _csrf: csrf, amount: '12.5' });
    assert.equal(ok.headers.get('location'), '/creator?done=payout#payouts');
    assert.equal(await balanceOf(server.db, accounts.user(creator.user.id)), 1750);
    const page = await creator.browser.get('/creator');
    assert.equal(figureOf(page.text, 'payout-available'), 1750);
    assert.match(page.text, /data-payout="[0-9a-f]{24}"[\s\S]*?data-amount="1250"[\s\S]*?data-col="status">requested/);
  });

  it('generates the button code for the picked options; the script gets the very same snippets', async () => {
    const { browser } = await loggedIn(server, api);
    const query = new URLSearchParams({ url: 'https://blog.example/post?a=1', title: 'My "post"', size: 'compact', buttonLang: 'de', theme: 'dark' });
    const page = await browser.get(`/creator?${query}`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    const snippet = (id: string) => {
      const match = new RegExp(`<textarea id="snippet-${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(page.text);
      assert.ok(match, `snippet ${id}`);
      return match[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    };
    // Where no script runs, every link is the plain Flattr link (/flattr: the full-page confirm, then back), made by the
    // badges' snippetsFor like the badge's own snippets (one implementation).
    const noScript = snippetsFor(server.url, { url: 'https://blog.example/post?a=1', title: 'My "post"' }, { theme: 'dark' });
    const plainLink = `<a rel="payment" href="${server.url}/flattr?url=https%3A%2F%2Fblog.example%2Fpost%3Fa%3D1&amp;title=My+%22post%22">Flattr “My &quot;post&quot;”</a>`;
    assert.equal(noScript.linkHtml, plainLink);
    assert.equal(snippet('element'),
      '<flattr-button url="https://blog.example/post?a=1" title="My &quot;post&quot;" size="compact" lang="de" style="--flattr-color:#0d2414;--flattr-background:#7ed396;--flattr-pressed-color:#c9f2d4;--flattr-pressed-background:#1c3b25;--flattr-count-color:#f1f1f1;--flattr-count-background:#1f1f1f;--flattr-border-color:#9a9a9a">'
      + `${plainLink}</flattr-button>`);
    assert.ok(snippet('script').startsWith(`<script async src="${server.url}/widget/flattr.js" data-api="${server.url}"></script>\n<flattr-button `));
    assert.equal(snippet('wordpress'), '[flattr url="https://blog.example/post?a=1" title="My post" size="compact" count="no" lang="de"]');
    assert.equal(snippet('link'), plainLink);
    assert.equal(snippet('link-markdown'), `[Flattr “My "post"”](${server.url}/flattr?url=https%3A%2F%2Fblog.example%2Fpost%3Fa%3D1&title=My+%22post%22)`);
    // The count badge (in the button's dark theme) with a link to the thing's public page, for READMEs and pages without scripts.
    const badge = `${server.url}/badge.svg?url=https%3A%2F%2Fblog.example%2Fpost%3Fa%3D1&theme=dark`;
    const thingPage = `${server.url}/things?url=https%3A%2F%2Fblog.example%2Fpost%3Fa%3D1`;
    assert.equal(snippet('badge-markdown'), `[![Flattr “My "post"”](${badge})](${thingPage})`);
    assert.equal(snippet('badge-html'), `<a href="${thingPage}"><img src="${badge.replace('&', '&amp;')}" alt="Flattr “My &quot;post&quot;”" height="20"></a>`);
    assert.deepEqual([snippet('badge-markdown'), snippet('badge-html'), snippet('link-markdown')], [noScript.markdown, noScript.html, noScript.linkMarkdown]);
    assert.match(page.text, /<div class="preview" data-theme="dark" id="button-preview"><flattr-button url="https:\/\/blog.example\/post\?a=1" title="My &quot;post&quot;" size="compact" lang="de"><\/flattr-button>/);

    const json = await api.get(`/creator/button-code.json?${query}`);
    assert.equal(json.status, 200);
    for (const { id, code } of json.body.snippets) assert.equal(code, snippet(id), `snippet ${id} from the endpoint`);
    assert.deepEqual(json.body.snippets.map((s: { id: string }) => s.id), ['script', 'element', 'wordpress', 'link', 'link-markdown', 'badge-markdown', 'badge-html']);
    for (const id of ['link-markdown', 'badge-markdown', 'badge-html']) assert.match(page.text, new RegExp(`<label for="snippet-${id}">[^<]*[a-z] [^<]*</label>`), `${id} has a label`);
    assert.equal((await api.get('/creator/button-code.json?url=javascript:alert(1)')).status, 400);
  });
});

/** The markup of one site's article on the page. */
function rowlessSite(html: string, siteId: string): string {
  const start = html.indexOf(`data-site="${siteId}"`);
  return html.slice(start, html.indexOf('</article>', start));
}
