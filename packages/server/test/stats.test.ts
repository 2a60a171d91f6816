import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { distributePeriod } from '../src/distribution/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('public period statistics', () => {
  let server: TestServer;
  let api: TestClient;
  let ownedSite: ProofServer;
  let claimableSite: ProofServer;
  let creator: TestUser;
  let reader1: TestUser;
  let reader2: TestUser;

  /** Moves the clock; access tokens are valid only near the time they were issued, so everyone logs in again. */
  const at = async (instant: string) => {
    server.clock.set(instant);
    const login = async (user: TestUser): Promise<TestUser> => {
      const res = await api.post('/v1/auth/login', { email: user.email, password: user.password });
      assert.equal(res.status, 200, res.text);
      return { ...user, token: res.body.accessToken };
    };
    [creator, reader1, reader2] = [await login(creator), await login(reader1), await login(reader2)];
  };
  const verify = async (site: ProofServer) => {
    site.pages.set('/.well-known/flattr', { body: creator.id });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
    assert.equal((await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token })).status, 200);
  };
  const click = async (user: TestUser, url: string) => {
    const res = await api.post('/v1/flattrs', { url, title: 'A post' }, { token: user.token, headers: { 'Idempotency-Key': `${user.id}-${url}` } });
    assert.ok(res.status === 201 || res.status === 200, res.text);
  };

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000', UNCLAIMED_MONTHS: '6' } });
    api = testClient(server.url);
    [ownedSite, claimableSite] = [await startProofServer(), await startProofServer()];
    server.clock.set('2026-01-10T10:00:00Z');
    const admin = await createAdmin(server, api);
    [creator, reader1, reader2] = [await signup(api), await signup(api), await signup(api)];
    for (const [i, r] of [reader1, reader2].entries()) {
      await api.post('/v1/admin/deposits', { userId: r.id, amount: 5000, reference: `stats-${i}` }, { token: admin.token });
    }
    await verify(ownedSite);
    assert.equal((await api.patch('/v1/me', { budget: 900 }, { token: reader1.token })).status, 200);
    assert.equal((await api.patch('/v1/me', { budget: 500 }, { token: reader2.token })).status, 200);
    // reader1: 900 over an owned thing, a thing whose owner verifies later, and one nobody claims; reader2: 500 to the owned one.
    for (const url of [`${ownedSite.origin}/1`, `${claimableSite.origin}/2`, 'https://gone.example/3']) await click(reader1, url);
    await click(reader2, `${ownedSite.origin}/1`);
  });
  after(async () => {
    await ownedSite.close();
    await claimableSite.close();
    await server.close();
  });

  it('answers 404 period_not_distributed before the run is done, 400 for a bad period', async () => {
    const res = await api.get('/v1/stats/2026-01');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'period_not_distributed');
    assert.equal((await api.get('/v1/stats/2026-1')).status, 400);
    assert.equal((await api.get('/v1/stats/latest')).status, 400);
  });

  it('publishes the run\'s figures and, later, what became of the month\'s escrow', async () => {
    await at('2026-02-01T08:00:00Z');
    await distributePeriod(server.ctx, '2026-01');
    const res = await api.get('/v1/stats/2026-01');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    assert.deepEqual({ ...res.body, distributedAt: undefined }, {
      period: '2026-01', currency: 'EUR', readers: 2, payingReaders: 2, clicks: 4, things: 3,
      distributed: 1400, toCreators: 720, fees: 80, toEscrow: 600,
      released: 0, releasedFees: 0, returned: 0, escrowHeld: 600, distributedAt: undefined,
    });
    assert.ok(res.body.distributedAt);

    // The claimable thing's owner verifies in March: its 300 is released (fee 30).
    await at('2026-03-05T08:00:00Z');
    await verify(claimableSite);
    // The run of 2026-07 (in August) returns January's unclaimed 300 to reader1.
    await at('2026-08-02T08:00:00Z');
    const july = await distributePeriod(server.ctx, '2026-07');
    assert.equal(july.totals.returned, 300);

    const later = await api.get('/v1/stats/2026-01');
    assert.equal(later.body.released, 300);
    assert.equal(later.body.releasedFees, 30);
    assert.equal(later.body.returned, 300);
    assert.equal(later.body.escrowHeld, 0);
    assert.equal(later.body.distributed, 1400);
    const julyStats = await api.get('/v1/stats/2026-07');
    assert.equal(julyStats.status, 200);
    assert.equal(julyStats.body.distributed, 0);
    assert.equal(julyStats.body.returned, 0, 'returns count for the month the escrow came from');
  });

  it('needs no credentials and ignores bad ones', async () => {
    const res = await api.get('/v1/stats/2026-01', { headers: { authorization: 'Bearer nonsense' } });
    assert.equal(res.status, 200);
  });
});
