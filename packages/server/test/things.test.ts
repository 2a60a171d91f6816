import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { collections } from '../src/db/index.js';
import { signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

describe('things', () => {
  let server: TestServer;
  let api: TestClient;
  let creator: TestUser;
  let other: TestUser;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    [creator, other] = await Promise.all([signup(api), signup(api)]);
  });
  after(async () => { await server.close(); });

  /** What the sites concern stores once a user proved control of a host. */
  const verifySite = (user: TestUser, host: string) => server.db.collection('sites').insertOne({
    _id: new ObjectId(), userId: new ObjectId(user.id), host, origin: `https://${host}`, verifiedAt: new Date(), method: 'well-known', createdAt: new Date(),
  });

  describe('POST /v1/things', () => {
    it('creates an unowned thing with the caller as claimed creator when they have no verified site', async () => {
      const res = await api.post('/v1/things', { url: 'HTTPS://Unverified.example/Post?utm_source=x#top', title: '  A post  ', tags: ['a', 'b', 'a'], language: 'en-GB' }, { token: creator.token });
      assert.equal(res.status, 201);
      assert.equal(res.body.url, 'https://unverified.example/Post');
      assert.equal(res.body.title, 'A post');
      assert.deepEqual(res.body.tags, ['a', 'b']);
      assert.equal(res.body.language, 'en-GB');
      assert.equal(res.body.ownerId, null);
      assert.equal(res.body.claimedCreator, creator.id);
      assert.equal(res.body.flattrCount, 0);
      assert.equal(res.headers.get('location'), `/v1/things/${res.body.id}`);
      const stored = await collections.things(server.db).findOne({ _id: new ObjectId(res.body.id as string) });
      assert.equal(stored?.host, 'unverified.example');
    });

    it('makes the caller the owner when they verified the site', async () => {
      await verifySite(creator, 'mine.example');
      const res = await api.post('/v1/things', { url: 'https://mine.example/essay', title: 'Essay', description: 'Long read' }, { token: creator.token });
      assert.equal(res.status, 201);
      assert.equal(res.body.ownerId, creator.id);
      assert.equal(res.body.description, 'Long read');
    });

    it('lets the owner update the metadata of an existing thing (200)', async () => {
      const res = await api.post('/v1/things', { url: 'https://mine.example/essay#again', title: 'Essay, revised', tags: ['writing'] }, { token: creator.token });
      assert.equal(res.status, 200);
      assert.equal(res.body.title, 'Essay, revised');
      assert.deepEqual(res.body.tags, ['writing']);
      assert.equal(res.body.description, 'Long read');
      assert.equal(await collections.things(server.db).countDocuments({ url: 'https://mine.example/essay' }), 1);
    });

    it('refuses another user\'s thing with 409 thing_owned_by_other and changes nothing', async () => {
      const res = await api.post('/v1/things', { url: 'https://mine.example/essay', title: 'Hijacked' }, { token: other.token });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'thing_owned_by_other');
      const stored = await collections.things(server.db).findOne({ url: 'https://mine.example/essay' });
      assert.equal(stored?.title, 'Essay, revised');
    });

    it('refuses a new URL on a site another user verified, writing nothing', async () => {
      const res = await api.post('/v1/things', { url: 'https://mine.example/new-page', title: 'Not yours' }, { token: other.token });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'thing_owned_by_other');
      assert.equal(await collections.things(server.db).countDocuments({ url: 'https://mine.example/new-page' }), 0);
    });

    it('records the claim of another user on an unowned thing without changing its metadata', async () => {
      const res = await api.post('/v1/things', { url: 'https://unverified.example/Post', title: 'Renamed by a claimant' }, { token: other.token });
      assert.equal(res.status, 200);
      assert.equal(res.body.claimedCreator, other.id);
      assert.equal(res.body.ownerId, null);
      assert.equal(res.body.title, 'A post');
    });

    it('hands an unowned thing to a caller who verified its site since', async () => {
      await verifySite(creator, 'unverified.example');
      const res = await api.post('/v1/things', { url: 'https://unverified.example/Post', title: 'Now mine' }, { token: creator.token });
      assert.equal(res.status, 200);
      assert.equal(res.body.ownerId, creator.id);
      assert.equal(res.body.claimedCreator, creator.id);
      assert.equal(res.body.title, 'Now mine');
    });

    it('creates one thing when the same URL is registered concurrently', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => api.post('/v1/things',
        { url: `https://race.example/page?i=1#${i}`, title: `Race ${i}` }, { token: i % 2 ? creator.token : other.token })));
      assert.deepEqual(results.map((r) => r.status).filter((s) => s === 201).length, 1);
      assert.ok(results.every((r) => r.status === 201 || r.status === 200), JSON.stringify(results.map((r) => r.body)));
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      assert.equal(await collections.things(server.db).countDocuments({ url: 'https://race.example/page?i=1' }), 1);
    });

    it('needs authentication and the things scope', async () => {
      const anonymous = await api.post('/v1/things', { url: 'https://x.example/', title: 'x' });
      assert.equal(anonymous.status, 401);
      const pat = await api.post('/v1/me/tokens', { name: 'reader only', scopes: ['read', 'flattr'] }, { token: creator.token });
      assert.equal(pat.status, 201);
      const res = await api.post('/v1/things', { url: 'https://x.example/', title: 'x' }, { token: pat.body.token });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'insufficient_scope');
    });

    const invalid: Array<[string, unknown, string]> = [
      ['no title', { url: 'https://v.example/a' }, 'validation_failed'],
      ['an empty title', { url: 'https://v.example/a', title: '   ' }, 'validation_failed'],
      ['a title over 300 characters', { url: 'https://v.example/a', title: 'x'.repeat(301) }, 'validation_failed'],
      ['a description over 2000 characters', { url: 'https://v.example/a', title: 't', description: 'd'.repeat(2001) }, 'validation_failed'],
      ['21 tags', { url: 'https://v.example/a', title: 't', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'validation_failed'],
      ['a tag over 50 characters', { url: 'https://v.example/a', title: 't', tags: ['x'.repeat(51)] }, 'validation_failed'],
      ['a language that is not BCP 47', { url: 'https://v.example/a', title: 't', language: 'english please' }, 'validation_failed'],
      ['tags that are not a list', { url: 'https://v.example/a', title: 't', tags: 'a,b' }, 'validation_failed'],
      ['no url', { title: 't' }, 'validation_failed'],
      ['a relative url', { url: '/a', title: 't' }, 'invalid_url'],
      ['an ftp url', { url: 'ftp://v.example/a', title: 't' }, 'invalid_url'],
      ['a url with credentials', { url: 'https://me:pw@v.example/a', title: 't' }, 'invalid_url'],
    ];
    for (const [what, body, code] of invalid) {
      it(`answers ${what} with 400 ${code} and writes nothing`, async () => {
        const res = await api.post('/v1/things', body, { token: creator.token });
        assert.equal(res.status, 400);
        assert.equal(res.body.code, code);
        assert.equal(await collections.things(server.db).countDocuments({ host: 'v.example' }), 0);
      });
    }
  });

  describe('GET /v1/things', () => {
    it('finds a thing by any spelling of its URL', async () => {
      const res = await api.get(`/v1/things?url=${encodeURIComponent('https://MINE.example:443/essay?utm_medium=mail#x')}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.url, 'https://mine.example/essay');
      assert.equal(res.body.title, 'Essay, revised');
    });

    it('answers an unknown URL with 404 thing_not_found', async () => {
      const res = await api.get(`/v1/things?url=${encodeURIComponent('https://nobody.example/')}`);
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'thing_not_found');
    });

    it('answers a bad or missing url with 400', async () => {
      assert.equal((await api.get('/v1/things?url=javascript:alert(1)')).body.code, 'invalid_url');
      assert.equal((await api.get('/v1/things')).status, 400);
      assert.equal((await api.get('/v1/things?url=https://a.example/&url=https://b.example/')).status, 400);
    });

    it('finds and flattrs a thing that other code stored under an id of its own', async () => {
      const _id = new ObjectId();
      await collections.things(server.db).insertOne({ _id, url: 'https://legacy.example/x', host: 'legacy.example', title: 'Legacy',
        tags: [], ownerId: null, claimedCreator: null, flattrCount: 0, createdAt: new Date() });
      const found = await api.get(`/v1/things?url=${encodeURIComponent('https://LEGACY.example/x')}`);
      assert.equal(found.body.id, _id.toHexString());
      const click = await api.post('/v1/flattrs', { url: 'https://legacy.example/x#y' }, { token: other.token });
      assert.equal(click.status, 201);
      assert.equal(click.body.thingId, _id.toHexString());
      const register = await api.post('/v1/things', { url: 'https://legacy.example/x', title: 'Claimed' }, { token: creator.token });
      assert.equal(register.status, 200);
      assert.equal(register.body.id, _id.toHexString());
      assert.equal(await collections.things(server.db).countDocuments({ host: 'legacy.example' }), 1);
    });

    it('finds a thing by id; unknown and malformed ids are 404, never 500', async () => {
      const found = await api.get(`/v1/things?url=${encodeURIComponent('https://mine.example/essay')}`);
      const byId = await api.get(`/v1/things/${found.body.id}`);
      assert.equal(byId.status, 200);
      assert.deepEqual(byId.body, found.body);
      for (const id of [new ObjectId().toHexString(), 'not-an-id', '123456789012', 'zzzzzzzzzzzzzzzzzzzzzzzz', '%E2%98%83']) {
        const res = await api.get(`/v1/things/${id}`);
        assert.equal(res.status, 404, id);
        assert.equal(res.body.code, 'thing_not_found');
      }
    });
  });
});
