import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { issueSiteToken } from '../src/auth/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { hiddenField, PageBrowser } from '../src/widget/testing/page-browser.js';

/**
 * Finding 8 of the outside review: "a reader's thing-cache lets a creator
 * flattr their own thing for ~10 s after verifying the site in the same
 * process". Whatever the process remembers about a thing (a reader's click,
 * its count) must not outlive the verification that makes it the creator's:
 * right after `verify` answers, every way of clicking refuses the creator.
 */
describe('a creator who just verified a site cannot flattr its things', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  let creator: TestUser;
  let reader: TestUser;
  let page: PageBrowser;
  let siteToken: string;
  let siteId: string;
  const post = (n: number) => `${site.origin}/posts/${n}`;
  const flattrsOf = (user: TestUser) => server.db.collection('flattrs').countDocuments({ readerId: new ObjectId(user.id) });

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    site = await startProofServer();
    creator = await signup(api);
    reader = await signup(api);
    // Before the site is verified: a reader clicks (the thing exists, unowned), the counts are read,
    // and the creator has a page session and a one-click token for their own site.
    assert.equal((await api.post('/v1/flattrs', { url: post(1), title: 'Post 1' }, { token: reader.token })).status, 201);
    // A click on the now existing thing reads it (the old code kept that read in a 10 s cache).
    assert.equal((await api.post('/v1/flattrs', { url: post(1) }, { token: reader.token })).status, 200);
    assert.equal((await api.get(`/v1/counts?url=${encodeURIComponent(post(1))}`)).body.counts[post(1)].count, 1);
    page = new PageBrowser(server.url);
    await page.logIn(creator.email, creator.password);
    siteToken = (await issueSiteToken(server.ctx, creator.id, site.origin)).token;
    siteId = (await api.post('/v1/sites', { url: site.origin }, { token: creator.token })).body.id;
    site.pages.set('/.well-known/flattr', { body: `${creator.id}\n` });
    const verified = await api.post(`/v1/sites/${siteId}/verify`, {}, { token: creator.token });
    assert.equal(verified.status, 200, verified.text);
  });
  after(async () => {
    await site.close();
    await server.close();
  });

  it('refuses the creator\'s click on a thing a reader flattred before (API, login token): 422 own_thing', async () => {
    const res = await api.post('/v1/flattrs', { url: post(1) }, { token: creator.token });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.code, 'own_thing');
    const thingId = (await server.db.collection('things').findOne({ url: post(1) }))!._id.toHexString();
    const byId = await api.post('/v1/flattrs', { thingId }, { token: creator.token });
    assert.equal(byId.body.code, 'own_thing');
  });

  it('refuses a new URL on the verified site without creating the thing', async () => {
    const res = await api.post('/v1/flattrs', { url: post(2) }, { token: creator.token });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'own_thing');
    assert.equal(await server.db.collection('things').countDocuments({ url: post(2) }), 0);
  });

  it('refuses in the confirm window: the result page reports own_thing', async () => {
    const form = await page.get(`/widget/confirm?${new URLSearchParams({ url: post(1), origin: site.origin })}`);
    assert.equal(form.status, 200);
    const res = await page.postForm('/widget/confirm', { _csrf: hiddenField(form.text, '_csrf'), url: post(1), origin: site.origin });
    assert.equal(res.status, 422);
    assert.match(res.text, /"code":"own_thing"/);
  });

  it('refuses the creator\'s own one-click token on their site: 422 own_thing', async () => {
    const res = await api.post('/v1/flattrs', { url: post(1) }, { token: siteToken, headers: { origin: site.origin } });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.code, 'own_thing');
  });

  it('leaves the creator without a flattr and the reader\'s click counted once', async () => {
    assert.equal(await flattrsOf(creator), 0);
    assert.equal(await flattrsOf(reader), 1);
    assert.equal((await server.db.collection('things').findOne({ url: post(1) }))!.flattrCount, 1);
  });
});
