import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { after, before, describe, it } from 'node:test';
import { DISTRIBUTIONS } from '../src/db/index.js';
import { accounts, postEntry } from '../src/money/index.js';
import { ESCROW } from '../src/sites/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { simulateDistribution } from '../src/sites/testing/simulated-distribution.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('public period statistics', () => {
  let server: TestServer;
  let api: TestClient;
  let site: ProofServer;
  let creator: TestUser;
  let reader1: TestUser;
  let reader2: TestUser;
  const t: Record<string, string> = {};

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000' } });
    api = testClient(server.url);
    site = await startProofServer();
    server.clock.set('2026-02-01T10:00:00Z');
    const admin = await createAdmin(server, api);
    [creator, reader1, reader2] = [await signup(api), await signup(api), await signup(api)];
    for (const [i, r] of [reader1, reader2].entries()) {
      await api.post('/v1/admin/deposits', { userId: r.id, amount: 5000, reference: `stats-${i}` }, { token: admin.token });
    }
    for (const [key, url] of [['owned', 'https://owned.example/1'], ['claimable', `${site.origin}/2`], ['abandoned', 'https://gone.example/3']] as const) {
      const res = await api.post('/v1/flattrs', { url, title: key }, { token: reader1.token, headers: { 'Idempotency-Key': key } });
      t[key] = res.body.thing.id;
    }
  });
  after(async () => {
    await site.close();
    await server.close();
  });

  it('answers 404 period_not_distributed before the run is done, 400 for a bad period', async () => {
    const res = await api.get('/v1/stats/2026-01');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'period_not_distributed');
    await server.db.collection(DISTRIBUTIONS).insertOne({ _id: '2025-12' as never, status: 'running', totals: {} });
    assert.equal((await api.get('/v1/stats/2025-12')).body.code, 'period_not_distributed');
    assert.equal((await api.get('/v1/stats/2026-1')).status, 400);
    assert.equal((await api.get('/v1/stats/latest')).status, 400);
  });

  it('publishes the run\'s figures and what became of the month\'s escrow', async () => {
    // The owned thing's owner, as the distribution saw it (no site needed for the figures).
    await simulateDistribution(server.db, '2026-01', [
      { readerId: reader1.id, contribution: 900, things: [
        { thingId: t.owned!, ownerId: creator.id }, { thingId: t.claimable!, ownerId: null }, { thingId: t.abandoned!, ownerId: null }] },
      { readerId: reader2.id, contribution: 500, things: [{ thingId: t.owned!, ownerId: creator.id }] },
    ], 1000);
    const res = await api.get('/v1/stats/2026-01');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    assert.deepEqual({ ...res.body, distributedAt: undefined }, {
      period: '2026-01', currency: 'EUR', readers: 2, payingReaders: 2, clicks: 4, things: 3,
      distributed: 1400, toCreators: 720, fees: 80, toEscrow: 600,
      released: 0, releasedFees: 0, returned: 0, escrowHeld: 600, distributedAt: undefined,
    });
    assert.ok(res.body.distributedAt);
    assert.equal(res.body.toCreators + res.body.fees + res.body.toEscrow, res.body.distributed);

    // The claimable thing's owner verifies: its 300 is released (fee 30).
    site.pages.set('/.well-known/flattr', { body: creator.id });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
    assert.equal((await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token })).status, 200);
    // Months later the distribution returns the abandoned thing's 300 (its entry, as docs/money.md writes it).
    const escrowId = `2026-01:${reader1.id}:${t.abandoned}`;
    await postEntry(server.db, {
      _id: `escrow.return:${escrowId}`, kind: 'escrow.return', period: '2026-01',
      postings: [{ account: accounts.escrow(t.abandoned!), amount: -300 }, { account: accounts.user(reader1.id), amount: 300 }],
      meta: { escrowId, thingId: t.abandoned, readerId: reader1.id, period: '2026-01', amount: 300 },
    });
    await server.db.collection(ESCROW).updateOne({ _id: escrowId as never }, { $set: { state: 'returned', settledAt: new Date() } });

    const later = await api.get('/v1/stats/2026-01');
    assert.equal(later.body.released, 300);
    assert.equal(later.body.releasedFees, 30);
    assert.equal(later.body.returned, 300);
    assert.equal(later.body.escrowHeld, 0);
    assert.equal(later.body.distributed, 1400);
  });

  it('needs no credentials', async () => {
    const res = await api.get('/v1/stats/2026-01', { headers: { authorization: `Bearer ${new ObjectId().toHexString()}` } });
    assert.equal(res.status, 200);
  });
});
