import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../src/errors/index.js';
import { verifySite } from '../src/sites/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { signup, type TestUser } from '../src/testing/users.js';

describe('sites: proving control of a host', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  let creator: TestUser;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    site = await startProofServer();
    creator = await signup(api);
  });
  after(async () => {
    await site.close();
    await server.close();
  });

  it('adds a site and answers how to prove it (201), the same site again answers 200', async () => {
    const res = await api.post('/v1/sites', { url: `${site.origin}/some/page?x=1` }, { token: creator.token });
    assert.equal(res.status, 201);
    assert.equal(res.body.host, site.host);
    assert.equal(res.body.origin, site.origin);
    assert.equal(res.body.verifiedAt, null);
    assert.equal(res.body.method, null);
    assert.deepEqual(res.body.instructions.wellKnown, { url: `${site.origin}/.well-known/flattr`, content: `${creator.id}\n` });
    assert.equal(res.body.instructions.meta.tag, `<meta name="flattr:owner" content="${creator.id}">`);
    const again = await api.post('/v1/sites', { url: site.origin.toUpperCase().replace('HTTP', 'http') }, { token: creator.token });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, res.body.id);
  });

  it('treats a bare host as https and keeps ports apart', async () => {
    const res = await api.post('/v1/sites', { url: 'Blog.Example.com' }, { token: creator.token });
    assert.equal(res.status, 201);
    assert.equal(res.body.host, 'blog.example.com');
    assert.equal(res.body.origin, 'https://blog.example.com');
    const withPort = await api.post('/v1/sites', { url: 'https://blog.example.com:8443/' }, { token: creator.token });
    assert.equal(withPort.body.host, 'blog.example.com:8443');
    const defaultPort = await api.post('/v1/sites', { url: 'https://blog.example.com:443/' }, { token: creator.token });
    assert.equal(defaultPort.status, 200, 'the default port names the same site');
  });

  it('refuses bad URLs and anonymous callers', async () => {
    assert.equal((await api.post('/v1/sites', { url: 'ftp://example.com' }, { token: creator.token })).body.code, 'invalid_url');
    assert.equal((await api.post('/v1/sites', { url: 'http://' }, { token: creator.token })).status, 400);
    assert.equal((await api.post('/v1/sites', {}, { token: creator.token })).body.code, 'validation_failed');
    assert.equal((await api.post('/v1/sites', { url: site.origin })).status, 401);
    assert.equal((await api.get('/v1/sites')).status, 401);
  });

  it('lists only the caller\'s sites', async () => {
    const other = await signup(api);
    await api.post('/v1/sites', { url: 'https://other.example.org' }, { token: other.token });
    const mine = await api.get('/v1/sites', { token: creator.token });
    assert.equal(mine.status, 200);
    assert.ok(mine.body.items.some((s: { host: string }) => s.host === site.host));
    assert.ok(!mine.body.items.some((s: { host: string }) => s.host === 'other.example.org'));
  });

  it('answers 404 site_not_found for another user\'s site and for ids that cannot exist', async () => {
    const other = await signup(api);
    const theirs = await api.post('/v1/sites', { url: 'https://theirs.example.org' }, { token: other.token });
    assert.equal((await api.post(`/v1/sites/${theirs.body.id}/verify`, {}, { token: creator.token })).body.code, 'site_not_found');
    assert.equal((await api.post('/v1/sites/nope/verify', {}, { token: creator.token })).status, 404);
  });

  it('answers 422 proof_not_found when neither the file nor the meta tag is there', async () => {
    site.pages.clear();
    site.pages.set('/', { body: '<html><head><title>Blog</title></head></html>', headers: { 'content-type': 'text/html' } });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
    const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'proof_not_found');
    assert.ok(site.requests.includes('GET /.well-known/flattr'));
    assert.ok(site.requests.includes('GET /'));
  });

  it('answers 422 proof_mismatch when the proof names someone else', async () => {
    site.pages.clear();
    site.pages.set('/.well-known/flattr', { body: '0123456789abcdef01234567\n' });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
    const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'proof_mismatch');
    assert.deepEqual(res.body.found, ['0123456789abcdef01234567']);
  });

  it('answers 422 fetch_failed when the site does not answer', async () => {
    const gone = await startProofServer();
    await gone.close();
    const added = await api.post('/v1/sites', { url: gone.origin }, { token: creator.token });
    const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'fetch_failed');
  });

  it('looks past a site that answers every path with its HTML page (soft 404)', async () => {
    const soft = await startProofServer();
    try {
      const page = (meta: string) => ({ body: `<!doctype html><html><head>${meta}</head><body>Page not found</body></html>`, headers: { 'content-type': 'text/html' } });
      soft.pages.set('/.well-known/flattr', page(''));
      soft.pages.set('/', page(''));
      const added = await api.post('/v1/sites', { url: soft.origin }, { token: creator.token });
      const missing = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(missing.body.code, 'proof_not_found');
      soft.pages.set('/', page(`<meta name="flattr:owner" content="${creator.id}">`));
      const found = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.site.method, 'meta');
    } finally {
      await soft.close();
    }
  });

  it('verifies by the meta tag on the home page', async () => {
    const metaSite = await startProofServer();
    try {
      metaSite.pages.set('/', {
        body: `<!doctype html><html><head><meta charset=utf-8><META content='${creator.id}' NAME="flattr:owner"/></head></html>`,
        headers: { 'content-type': 'text/html' },
      });
      const added = await api.post('/v1/sites', { url: metaSite.origin }, { token: creator.token });
      const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.site.method, 'meta');
      assert.ok(res.body.site.verifiedAt);
    } finally {
      await metaSite.close();
    }
  });

  it('verifies by /.well-known/flattr: the caller owns the host\'s things (not other ports\') and becomes a creator', async () => {
    const reader = await signup(api);
    const otherSite = await startProofServer();
    try {
      // Things auto-created by clicks before anyone verified: unowned.
      for (const url of [`${site.origin}/post-1`, `${site.origin}/post-2`, `${otherSite.origin}/post-1`]) {
        const click = await api.post('/v1/flattrs', { url, title: 'A post' }, { token: reader.token, headers: { 'Idempotency-Key': `k-${url}` } });
        assert.equal(click.status, 201, click.text);
        assert.equal(click.body.thing.ownerId, null);
      }
      site.pages.clear();
      site.pages.set('/.well-known/flattr', { body: `# flattr owners of this site\n${creator.id}\n` });
      const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
      const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.site.method, 'well-known');
      assert.equal(res.body.thingsClaimed, 2);
      assert.deepEqual(res.body.escrowReleased, { count: 0, gross: 0, fee: 0, net: 0 });

      const post1 = await api.get(`/v1/things?url=${encodeURIComponent(`${site.origin}/post-1`)}`);
      assert.equal(post1.body.ownerId, creator.id);
      const elsewhere = await api.get(`/v1/things?url=${encodeURIComponent(`${otherSite.origin}/post-1`)}`);
      assert.equal(elsewhere.body.ownerId, null, 'another port is another site');
      const me = await api.get('/v1/me', { token: creator.token });
      assert.ok(me.body.roles.includes('creator'));

      // Future things on the host are the owner's too.
      const later = await api.post('/v1/flattrs', { url: `${site.origin}/post-3`, title: 'Later' }, { token: reader.token, headers: { 'Idempotency-Key': 'later' } });
      assert.equal(later.body.thing.ownerId, creator.id);

      const listed = await api.get('/v1/sites', { token: creator.token });
      const verified = listed.body.items.find((s: { host: string }) => s.host === site.host);
      assert.equal(verified.method, 'well-known');

      // Verifying again fetches nothing and changes nothing.
      const before = site.requests.length;
      const again = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(again.status, 200);
      assert.equal(again.body.thingsClaimed, 0);
      assert.equal(again.body.site.verifiedAt, res.body.site.verifiedAt);
      assert.equal(site.requests.length, before);
    } finally {
      await otherSite.close();
    }
  });

  it('answers 422 host_owned_by_other to a second user, even with a valid proof of their own', async () => {
    const rival = await signup(api);
    site.pages.set('/.well-known/flattr', { body: `${rival.id}\n` });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: rival.token });
    assert.equal(added.status, 201);
    const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: rival.token });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'host_owned_by_other');
    const post1 = await api.get(`/v1/things?url=${encodeURIComponent(`${site.origin}/post-1`)}`);
    assert.equal(post1.body.ownerId, creator.id);
  });

  it('lets only one of two users verifying one host at the same time win', async () => {
    const race = await startProofServer();
    try {
      const [a, b] = [await signup(api), await signup(api)];
      race.pages.set('/.well-known/flattr', { body: `${a.id}\n${b.id}\n` });
      const siteA = await api.post('/v1/sites', { url: race.origin }, { token: a.token });
      const siteB = await api.post('/v1/sites', { url: race.origin }, { token: b.token });
      const results = await Promise.all([
        api.post(`/v1/sites/${siteA.body.id}/verify`, {}, { token: a.token }),
        api.post(`/v1/sites/${siteB.body.id}/verify`, {}, { token: b.token }),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 422]);
      assert.equal(results.find((r) => r.status === 422)!.body.code, 'host_owned_by_other');
      const verified = await server.db.collection('sites').countDocuments({ host: race.host, verifiedAt: { $ne: null } });
      assert.equal(verified, 1);
    } finally {
      await race.close();
    }
  });
});

describe('sites: with ALLOW_PRIVATE_FETCH=false (production)', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  before(async () => {
    server = await startTestServer({ env: { ALLOW_PRIVATE_FETCH: 'false' } });
    api = testClient(server.url);
    site = await startProofServer();
  });
  after(async () => {
    await site.close();
    await server.close();
  });

  it('refuses to fetch a proof from a loopback address (422 address_not_allowed) and never contacts it', async () => {
    const creator = await signup(api);
    site.pages.set('/.well-known/flattr', { body: creator.id });
    for (const url of [site.origin, `http://localhost:${site.host.split(':')[1]}`, `http://2130706433:${site.host.split(':')[1]}`]) {
      const added = await api.post('/v1/sites', { url }, { token: creator.token });
      const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(res.status, 422, url);
      assert.equal(res.body.code, 'address_not_allowed', url);
      assert.match(res.body.detail, /loopback/);
    }
    assert.deepEqual(site.requests, []);
    const sites = await api.get('/v1/sites', { token: creator.token });
    assert.ok(sites.body.items.every((s: { verifiedAt: string | null }) => s.verifiedAt === null));
  });

  it('refuses a proof that redirects to a loopback address', async () => {
    const creator = await signup(api);
    const internal = await startProofServer();
    try {
      internal.pages.set('/.well-known/flattr', { body: creator.id });
      // The IPv4-mapped spelling of the internal server's own address: it would reach it if followed.
      site.pages.set('/.well-known/flattr', { status: 302, headers: { location: `http://[::ffff:127.0.0.1]:${internal.host.split(':')[1]}/.well-known/flattr` } });
      site.pages.set('/', { status: 301, headers: { location: `${internal.origin}/` } });
      const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
      // The proof server stands in for a public host: 127.0.0.1 is let through for the first hop only.
      const outcome = verifySite(server.ctx, creator.id, added.body.id, {
        allowAddress: (address) => address === '127.0.0.1' && site.requests.length < 2,
      });
      await assert.rejects(outcome, (e: unknown) => e instanceof AppError && e.code === 'address_not_allowed' && /loopback/.test(e.message));
      assert.deepEqual(internal.requests, []);
    } finally {
      await internal.close();
      site.pages.clear();
      site.requests.length = 0;
    }
  });

  it('refuses private and link-local literal addresses the same way', async () => {
    const creator = await signup(api);
    for (const url of ['http://10.0.0.1', 'http://169.254.169.254', 'http://[::1]:8080', 'http://[fd00::1]', 'http://0.0.0.0:80']) {
      const added = await api.post('/v1/sites', { url }, { token: creator.token });
      const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
      assert.equal(res.body.code, 'address_not_allowed', url);
    }
  });
});
