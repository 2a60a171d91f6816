import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { issueSiteToken } from '../src/auth/index.js';
import { startTestServer, signup, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

describe('the settings page (/settings)', () => {
  let server: TestServer;
  let api: TestClient;

  async function reader(): Promise<{ user: TestUser; browser: PageBrowser }> {
    const user = await signup(api);
    const browser = new PageBrowser(server.url);
    await browser.logIn(user.email, user.password);
    return { user, browser };
  }

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  it('sends a visitor without a session to the login page', async () => {
    const res = await new PageBrowser(server.url).get('/settings');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account/login?next=%2Fsettings');
  });

  it('lists the sites with one-click Flattr and the monthly budget, under the strict page policy', async () => {
    const { user, browser } = await reader();
    await api.patch('/v1/me', { budget: 1250 }, { token: user.token });
    await issueSiteToken(server.ctx, user.id, 'https://blog.example');
    await issueSiteToken(server.ctx, user.id, 'http://127.0.0.1:8081');
    const other = await signup(api);
    await issueSiteToken(server.ctx, other.id, 'https://someone-else.example');

    const res = await browser.get('/settings');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(res.text, /<strong class="budget">€12\.50<\/strong>/);
    assert.match(res.text, /<span class="origin">https:\/\/blog\.example<\/span>/);
    assert.match(res.text, /<span class="origin">http:\/\/127\.0\.0\.1:8081<\/span>/);
    assert.doesNotMatch(res.text, /someone-else/);
    assert.equal((res.text.match(/>Revoke<\/button>/g) ?? []).length, 2);
  });

  it('revokes a site token with the CSRF token, after which the token no longer flattrs', async () => {
    const { user, browser } = await reader();
    const { token, siteToken } = await issueSiteToken(server.ctx, user.id, 'https://blog.example');
    const page = await browser.get('/settings');
    const res = await browser.postForm(`/settings/site-tokens/${siteToken.id}/revoke`, { _csrf: hiddenField(page.text, '_csrf') });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/settings?done=revoked');
    const after = await browser.get('/settings?done=revoked');
    assert.doesNotMatch(after.text, /class="origin"/);
    assert.match(after.text, /One click is off for that site/);
    const flattr = await api.post('/v1/flattrs', { url: 'https://blog.example/p' }, { token, headers: { origin: 'https://blog.example' } });
    assert.equal(flattr.status, 401);
  });

  it('refuses a revoke without the CSRF token (403) and leaves the token working', async () => {
    const { user, browser } = await reader();
    const { siteToken } = await issueSiteToken(server.ctx, user.id, 'https://blog.example');
    const res = await browser.postForm(`/settings/site-tokens/${siteToken.id}/revoke`, {});
    assert.equal(res.status, 403);
    const doc = await server.db.collection('site_tokens').findOne({ _id: new ObjectId(siteToken.id) });
    assert.equal(doc?.revokedAt, null);
  });

  it('cannot revoke another reader\'s site token', async () => {
    const { browser } = await reader();
    const other = await signup(api);
    const { siteToken } = await issueSiteToken(server.ctx, other.id, 'https://blog.example');
    const page = await browser.get('/settings');
    const res = await browser.postForm(`/settings/site-tokens/${siteToken.id}/revoke`, { _csrf: hiddenField(page.text, '_csrf') });
    assert.equal(res.headers.get('location'), '/settings?done=not-found');
    const doc = await server.db.collection('site_tokens').findOne({ _id: new ObjectId(siteToken.id) });
    assert.equal(doc?.revokedAt, null);
  });

  it('shows each site\'s monthly cap and this month\'s use, and changes the cap with the CSRF token', async () => {
    const { user, browser } = await reader();
    const { token, siteToken } = await issueSiteToken(server.ctx, user.id, 'https://capped.example');
    const click = (path: string) => api.post('/v1/flattrs', { url: `https://capped.example${path}` }, { token, headers: { origin: 'https://capped.example' } });
    assert.equal((await click('/one')).status, 201);
    const page = await browser.get('/settings');
    assert.match(page.text, /This month: <strong class="used">1<\/strong> of <strong class="cap">10<\/strong> flattrs/);
    assert.match(page.text, new RegExp(`<form method="post" action="/settings/site-tokens/${siteToken.id}/cap"`));
    assert.match(page.text, /<input type="number" name="monthlyCap" min="1" max="1000" step="1" inputmode="numeric" required value="10">/);
    assert.doesNotMatch(page.text, /<script>|style="/, 'no inline script or style');

    const csrf = hiddenField(page.text, '_csrf');
    const saved = await browser.postForm(`/settings/site-tokens/${siteToken.id}/cap`, { _csrf: csrf, monthlyCap: '1' });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.get('location'), '/settings?done=cap');
    assert.match((await browser.get('/settings?done=cap')).text, /of <strong class="cap">1<\/strong> flattrs/);
    assert.equal((await click('/two')).status, 429, 'the lowered cap holds at once');

    for (const bad of ['0', '1001', '2.5', 'ten', '', '-3']) {
      const res = await browser.postForm(`/settings/site-tokens/${siteToken.id}/cap`, { _csrf: csrf, monthlyCap: bad });
      assert.equal(res.headers.get('location'), '/settings?done=bad-cap', `cap ${JSON.stringify(bad)}`);
    }
    const refused = await browser.postForm(`/settings/site-tokens/${siteToken.id}/cap`, { monthlyCap: '500' });
    assert.equal(refused.status, 403, 'no CSRF token, no change');
    const other = await signup(api);
    const theirs = await issueSiteToken(server.ctx, other.id, 'https://capped.example');
    const foreign = await browser.postForm(`/settings/site-tokens/${theirs.siteToken.id}/cap`, { _csrf: csrf, monthlyCap: '500' });
    assert.equal(foreign.headers.get('location'), '/settings?done=not-found');
    const docs = await server.db.collection('site_tokens').find({ _id: { $in: [new ObjectId(siteToken.id), new ObjectId(theirs.siteToken.id)] } }).toArray();
    assert.deepEqual(docs.map((d) => d.monthlyCap).sort(), [1, 10]);
  });

  it('sets the budget from a decimal amount and refuses malformed ones', async () => {
    const { user, browser } = await reader();
    const page = await browser.get('/settings');
    const csrf = hiddenField(page.text, '_csrf');
    const saved = await browser.postForm('/settings/budget', { _csrf: csrf, budget: '7,5' });
    assert.equal(saved.headers.get('location'), '/settings?done=budget');
    assert.equal((await api.get('/v1/me', { token: user.token })).body.budget, 750);
    for (const bad of ['-1', '1e3', '5.001', 'five', '']) {
      const res = await browser.postForm('/settings/budget', { _csrf: csrf, budget: bad });
      assert.equal(res.headers.get('location'), '/settings?done=bad-budget', `budget ${JSON.stringify(bad)}`);
    }
    assert.equal((await api.get('/v1/me', { token: user.token })).body.budget, 750);
    const refused = await browser.postForm('/settings/budget', { budget: '99' });
    assert.equal(refused.status, 403);
  });
});
