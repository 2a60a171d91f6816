import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accounts, balanceFromJournal } from '../src/money/index.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';
import { distributePeriod } from '../src/distribution/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('earnings', () => {
  let server: TestServer;
  let api: TestClient;
  let siteA: ProofServer;
  let siteB: ProofServer;
  let creator: TestUser;
  let reader1: TestUser;
  let reader2: TestUser;
  const t: Record<string, string> = {};

  const verify = async (site: ProofServer) => {
    site.pages.set('/.well-known/flattr', { body: creator.id });
    const added = await api.post('/v1/sites', { url: site.origin }, { token: creator.token });
    const res = await api.post(`/v1/sites/${added.body.id}/verify`, {}, { token: creator.token });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

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
  const budget = async (user: TestUser, amount: number) => {
    assert.equal((await api.patch('/v1/me', { budget: amount }, { token: user.token })).status, 200);
  };
  const click = async (user: TestUser, key: string) => {
    const res = await api.post('/v1/flattrs', { thingId: t[key] }, { token: user.token, headers: { 'Idempotency-Key': `${user.id}-${key}-${server.clock.now().getTime()}` } });
    assert.ok(res.status === 201 || res.status === 200, res.text);
  };

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000' } });
    api = testClient(server.url);
    [siteA, siteB] = [await startProofServer(), await startProofServer()];
    server.clock.set('2026-01-10T10:00:00Z');
    const admin = await createAdmin(server, api);
    [creator, reader1, reader2] = [await signup(api), await signup(api), await signup(api)];
    for (const [i, r] of [reader1, reader2].entries()) {
      await api.post('/v1/admin/deposits', { userId: r.id, amount: 5000, reference: `earn-${i}` }, { token: admin.token });
    }
    await verify(siteA);
    for (const [key, url] of [['t1', `${siteA.origin}/1`], ['t2', `${siteA.origin}/2`], ['t3', `${siteB.origin}/3`]] as const) {
      const res = await api.post('/v1/things', { url, title: key }, { token: creator.token });
      t[key] = res.body.id;
    }
    // January: reader1 gives 900 over t1, t2 (owned) and t3 (site B, unowned: escrow); reader2 gives 500 to t1.
    await budget(reader1, 900);
    await budget(reader2, 500);
    for (const key of ['t1', 't2', 't3']) await click(reader1, key);
    await click(reader2, 't1');
    await at('2026-02-01T08:00:00Z');
    assert.equal((await distributePeriod(server.ctx, '2026-01')).run?.status, 'done');
    // February: reader1 gives 200 to t1; reader2 clicks nothing and keeps their money.
    await budget(reader1, 200);
    await click(reader1, 't1');
    await at('2026-03-01T08:00:00Z');
    assert.equal((await distributePeriod(server.ctx, '2026-02')).run?.status, 'done');
    // The creator verifies site B in March: t3's January escrow is released to them.
    const outcome = await verify(siteB);
    assert.deepEqual(outcome.escrowReleased, { count: 1, gross: 300, fee: 30, net: 270 });
  });
  after(async () => {
    await siteA.close();
    await siteB.close();
    await server.close();
  });

  it('reports gross, fee and net per period and per thing, escrow releases in the period they were given for', async () => {
    const res = await api.get('/v1/me/earnings', { token: creator.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.currency, 'EUR');
    assert.equal(res.body.period, null);
    assert.deepEqual(res.body.periods.map((p: { period: string }) => p.period), ['2026-02', '2026-01']);
    const [feb, jan] = res.body.periods;
    assert.deepEqual({ gross: feb.gross, fee: feb.fee, net: feb.net }, { gross: 200, fee: 20, net: 180 });
    assert.deepEqual({ gross: jan.gross, fee: jan.fee, net: jan.net }, { gross: 1400, fee: 140, net: 1260 });
    const byThing = Object.fromEntries(jan.things.map((row: { thingId: string }) => [row.thingId, row]));
    assert.deepEqual(byThing[t.t1!], {
      thingId: t.t1, url: `${siteA.origin}/1`, title: 't1', gross: 800, fee: 80, net: 720, shares: 2, fromEscrow: { gross: 0, fee: 0, net: 0 },
    });
    assert.deepEqual({ ...byThing[t.t2!], url: undefined }, {
      thingId: t.t2, url: undefined, title: 't2', gross: 300, fee: 30, net: 270, shares: 1, fromEscrow: { gross: 0, fee: 0, net: 0 },
    });
    assert.deepEqual(byThing[t.t3!].fromEscrow, { gross: 300, fee: 30, net: 270 });
    assert.equal(byThing[t.t3!].net, 270);
    assert.equal(jan.things[0].thingId, t.t1, 'biggest first');
    assert.deepEqual(res.body.totals, { gross: 1600, fee: 160, net: 1440 });
    // Every cent of the wallet is accounted for by the earnings.
    assert.equal(await balanceFromJournal(server.db, accounts.user(creator.id)), res.body.totals.net);
  });

  it('filters one period', async () => {
    const res = await api.get('/v1/me/earnings?period=2026-02', { token: creator.token });
    assert.equal(res.body.period, '2026-02');
    assert.deepEqual(res.body.periods.map((p: { period: string }) => p.period), ['2026-02']);
    assert.deepEqual(res.body.totals, { gross: 200, fee: 20, net: 180 });
    const none = await api.get('/v1/me/earnings?period=2025-12', { token: creator.token });
    assert.deepEqual(none.body.periods, []);
    assert.deepEqual(none.body.totals, { gross: 0, fee: 0, net: 0 });
  });

  it('shows a reader their contributions are not earnings', async () => {
    const res = await api.get('/v1/me/earnings', { token: reader1.token });
    assert.deepEqual(res.body.periods, []);
  });

  it('refuses a bad period (400) and anonymous callers (401)', async () => {
    assert.equal((await api.get('/v1/me/earnings?period=2026-1', { token: creator.token })).body.code, 'validation_failed');
    assert.equal((await api.get('/v1/me/earnings')).status, 401);
  });
});
