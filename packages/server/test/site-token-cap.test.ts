import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SITE_MONTHLY_CAP, issueSiteToken } from '../src/auth/index.js';
import { login, startTestServer, signup, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

/**
 * A site the reader allowed one click may make only so many new flattrs for
 * them a month (docs/auth.md, "Site tokens"): the reader sees and changes the
 * number; past it the site's clicks are refused (429 site_cap_reached) while
 * the reader's own confirmation in the window still works.
 */
describe('site tokens: the monthly cap per site', () => {
  let server: TestServer;
  let api: TestClient;
  let serial = 0;

  /** A reader with a fresh site of their own and a one-click token for it. */
  async function readerWithSite(): Promise<{ reader: TestUser; site: string; token: string; id: string; click: (path: string) => ReturnType<TestClient['post']> }> {
    const reader = await signup(api);
    serial += 1;
    const site = `https://site-${serial}.example`;
    const { token, siteToken } = await issueSiteToken(server.ctx, reader.id, site);
    const click = (path: string) => api.post('/v1/flattrs', { url: `${site}${path}` }, { token, headers: { origin: site } });
    return { reader, site, token, id: siteToken.id, click };
  }
  const flattrsOf = (reader: TestUser) => server.db.collection('flattrs').countDocuments({ readerId: new ObjectId(reader.id) });
  const listed = async (reader: TestUser, id: string) =>
    (await api.get('/v1/me/site-tokens', { token: reader.token })).body.items.find((t: { id: string }) => t.id === id);
  const setCap = (reader: TestUser, id: string, monthlyCap: unknown) => api.patch(`/v1/me/site-tokens/${id}`, { monthlyCap }, { token: reader.token });

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
  });
  after(async () => { await server.close(); });

  it(`starts at ${DEFAULT_SITE_MONTHLY_CAP} flattrs a month, listed with this month's use`, async () => {
    const { reader, id, click } = await readerWithSite();
    const fresh = await listed(reader, id);
    assert.equal(fresh.monthlyCap, DEFAULT_SITE_MONTHLY_CAP);
    assert.equal(fresh.usedThisMonth, 0);
    assert.match(fresh.period, /^\d{4}-\d{2}$/);
    assert.equal((await click('/a')).status, 201);
    assert.equal((await listed(reader, id)).usedThisMonth, 1);
  });

  it('refuses the click past the cap with 429 site_cap_reached and Retry-After, writing nothing', async () => {
    const { reader, id, click } = await readerWithSite();
    assert.equal((await setCap(reader, id, 3)).status, 200);
    for (const n of [1, 2, 3]) assert.equal((await click(`/posts/${n}`)).status, 201, `click ${n}`);
    const things = await server.db.collection('things').countDocuments();
    const refused = await click('/posts/4');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'site_cap_reached');
    assert.equal(refused.body.monthlyCap, 3);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 31 * 86400, `Retry-After ${retryAfter}`);
    assert.equal(new Date(refused.body.resetsAt).getUTCDate(), 1, 'resets at the start of a month');
    assert.equal(await flattrsOf(reader), 3);
    assert.equal(await server.db.collection('things').countDocuments(), things, 'the refused click created no thing');
    const after = await listed(reader, id);
    assert.deepEqual([after.usedThisMonth, after.monthlyCap], [3, 3]);
  });

  it('counts only new flattrs: a repeat click answers 200 even at the cap, a refused one gives its slot back', async () => {
    const { reader, id, site, click } = await readerWithSite();
    assert.equal((await setCap(reader, id, 2)).status, 200);
    assert.equal((await click('/one')).status, 201);
    assert.equal((await click('/one')).status, 200, 'a repeat is no new flattr');
    // Flattring one's own thing is refused after the slot was taken: the slot comes back.
    await server.db.collection('things').insertOne({
      _id: new ObjectId(), url: `${site}/mine`, host: new URL(site).host, title: 'Mine', tags: [], ownerId: new ObjectId(reader.id),
      claimedCreator: null, flattrCount: 0, createdAt: new Date(),
    });
    assert.equal((await click('/mine')).body.code, 'own_thing');
    assert.equal((await listed(reader, id)).usedThisMonth, 1);
    assert.equal((await click('/two')).status, 201);
    assert.equal((await click('/two')).status, 200, 'at the cap, a repeat still answers the existing flattr');
    assert.equal((await click('/three')).status, 429);
  });

  it('lets the reader still flattr in the confirm window past the cap (their own gesture)', async () => {
    const { reader, id, site, click } = await readerWithSite();
    await setCap(reader, id, 1);
    assert.equal((await click('/first')).status, 201);
    assert.equal((await click('/second')).status, 429);
    const browser = new PageBrowser(server.url);
    await browser.logIn(reader.email, reader.password);
    const input = { url: `${site}/second`, origin: site };
    const form = await browser.get(`/widget/confirm?${new URLSearchParams(input)}`);
    const res = await browser.postForm('/widget/confirm', { ...input, _csrf: hiddenField(form.text, '_csrf') });
    assert.equal(res.status, 200);
    assert.match(res.text, /"ok":true/);
    assert.equal(await flattrsOf(reader), 2);
    assert.equal((await listed(reader, id)).usedThisMonth, 1, 'the window does not count against the site');
  });

  it('starts afresh next month', async () => {
    const { reader, id, click } = await readerWithSite();
    await setCap(reader, id, 1);
    assert.equal((await click('/may')).status, 201);
    assert.equal((await click('/may-2')).status, 429);
    server.clock.advance(32 * 86400_000);
    try {
      assert.equal((await click('/june')).status, 201);
      await login(api, reader); // the access token from signup expired a month ago
      assert.equal((await listed(reader, id)).usedThisMonth, 1);
    } finally {
      server.clock.advance(-32 * 86400_000);
    }
  });

  it('is changed with PATCH /v1/me/site-tokens/:id (login token only, 1–1000, own tokens only); re-granting keeps the cap and the count', async () => {
    const { reader, id, site, click } = await readerWithSite();
    await setCap(reader, id, 1);
    assert.equal((await click('/x')).status, 201);
    assert.equal((await click('/y')).status, 429);
    const raised = await setCap(reader, id, 2);
    assert.equal(raised.status, 200);
    assert.deepEqual([raised.body.monthlyCap, raised.body.usedThisMonth, raised.body.origin], [2, 1, site]);
    assert.equal((await click('/y')).status, 201);
    for (const bad of [0, -1, 1001, 1.5, '5', null]) {
      const res = await setCap(reader, id, bad);
      assert.equal(res.status, 400, `monthlyCap ${JSON.stringify(bad)}`);
      assert.equal(res.body.code, 'validation_failed');
    }
    const other = await signup(api);
    assert.equal((await setCap(other, id, 50)).status, 404);
    const pat = await api.post('/v1/me/tokens', { name: 'script', scopes: ['read', 'flattr'] }, { token: reader.token });
    const byPat = await api.patch(`/v1/me/site-tokens/${id}`, { monthlyCap: 50 }, { token: pat.body.token });
    assert.equal(byPat.status, 403);
    assert.equal(byPat.body.code, 'credential_not_allowed');

    // The reader ticks "one click" again on that site: a new token, the same cap and the same month's count.
    const again = await issueSiteToken(server.ctx, reader.id, site);
    assert.deepEqual([again.siteToken.monthlyCap, again.siteToken.usedThisMonth], [2, 2]);
    const res = await api.post('/v1/flattrs', { url: `${site}/z` }, { token: again.token, headers: { origin: site } });
    assert.equal(res.status, 429);
  });

  for (const [cap, parallel] of [[7, 50], [1, 50], [49, 50]] as const) {
    it(`never goes over the cap: ${parallel} parallel clicks on new things with a cap of ${cap} make exactly ${cap} flattrs`, async () => {
      const { reader, id, click } = await readerWithSite();
      await setCap(reader, id, cap);
      const answers = await Promise.all(Array.from({ length: parallel }, (_, i) => click(`/parallel/${i}`)));
      const statuses = answers.map((a) => a.status);
      assert.equal(statuses.filter((s) => s === 201).length, cap, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 429).length, parallel - cap, statuses.join(' '));
      assert.equal(await flattrsOf(reader), cap);
      assert.equal((await listed(reader, id)).usedThisMonth, cap);
    });
  }

  it('counts exactly under parallel repeats and new things mixed (a repeat takes no slot)', async () => {
    const { reader, id, click } = await readerWithSite();
    await setCap(reader, id, 5);
    assert.equal((await click('/seen')).status, 201);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => click(i % 2 === 0 ? '/seen' : `/mixed/${i}`)));
    const created = answers.filter((a) => a.status === 201).length;
    assert.equal(created, 4, answers.map((a) => a.status).join(' '));
    assert.ok(answers.filter((_, i) => i % 2 === 0).every((a) => a.status === 200), 'every repeat answers the existing flattr');
    assert.equal(await flattrsOf(reader), 5);
    assert.equal((await listed(reader, id)).usedThisMonth, 5);
  });
});
