import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backgroundRuns, distributePeriod } from '../src/distribution/index.js';
import { rebuildBalances, verifyLedger } from '../src/ledger/index.js';
import { balanceOf, balances, JOURNAL } from '../src/money/index.js';
import { seedDemoData } from '../src/seed/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { createAdmin, signup, type TestUser } from '../src/testing/users.js';

describe('distribution through the admin API', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer({ env: { UNCLAIMED_MONTHS: '6' } });
    api = testClient(server.url);
  });

  /** Moves the server's clock; tokens issued at another time do not verify, so a fresh admin signs in. */
  async function at(iso: string) {
    server.clock.set(iso);
    admin = await createAdmin(server, api);
  }
  async function login(user: TestUser): Promise<string> {
    const res = await api.post('/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(res.status, 200, res.text);
    return res.body.accessToken;
  }
  after(async () => {
    await Promise.all(backgroundRuns.values());
    await server.close();
  });

  async function waitForRun(period: string) {
    for (let i = 0; i < 600; i++) {
      const res = await api.get(`/v1/admin/distributions/${period}`, { token: admin.token });
      assert.equal(res.status, 200);
      if (res.body.status !== 'running') return res.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('run did not finish');
  }

  it('distributes a seeded period: 202, progress and totals on the run, a clean ledger before and after', async () => {
    await at('2026-11-20T00:00:00Z');
    await seedDemoData(server.db, { readers: 40, clicks: 200, period: '2026-03', seed: 'http' });
    const before = await api.get('/v1/admin/ledger/verify', { token: admin.token });
    assert.equal(before.status, 200);
    assert.equal(before.body.ok, true, JSON.stringify(before.body.violations));

    const started = await api.post('/v1/admin/distributions', { period: '2026-03' }, { token: admin.token });
    assert.equal(started.status, 202);
    assert.equal(started.body.period, '2026-03');
    const run = await waitForRun('2026-03');
    assert.equal(run.status, 'done', run.error);
    assert.equal(run.totals.readers, 40);
    assert.equal(run.totals.clicks, 200);
    assert.ok(run.totals.contributed > 0);
    assert.equal(run.totals.fees + run.totals.toCreators + run.totals.toEscrow, run.totals.contributed);
    assert.equal(run.progress.readersDone, 40);
    assert.equal(run.ledgerBefore.ok, true);
    assert.equal(run.ledgerAfter.ok, true, JSON.stringify(run.ledgerAfter.violations));
    assert.equal(run.ledgerAfter.periods['2026-03'].contributed, run.totals.contributed);
    const entries = await server.db.collection(JOURNAL).countDocuments({ kind: 'distribution', period: '2026-03' });
    assert.equal(entries, run.totals.payingReaders);

    const again = await api.post('/v1/admin/distributions', { period: '2026-03' }, { token: admin.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'distribution_done');
    assert.equal(again.body.run.status, 'done');
  });

  it('refuses a period that has not ended (409), a malformed one (400), non-admins (403), and 404s an unknown run', async () => {
    await at('2026-11-20T00:00:00Z');
    const current = await api.post('/v1/admin/distributions', { period: '2026-11' }, { token: admin.token });
    assert.equal(current.status, 409);
    assert.equal(current.body.code, 'period_not_ended');
    const bad = await api.post('/v1/admin/distributions', { period: '2026-13' }, { token: admin.token });
    assert.equal(bad.status, 400);
    const reader = await signup(api);
    const forbidden = await api.post('/v1/admin/distributions', { period: '2026-02' }, { token: reader.token });
    assert.equal(forbidden.status, 403);
    const unknown = await api.get('/v1/admin/distributions/2025-01', { token: admin.token });
    assert.equal(unknown.status, 404);
    assert.equal(await server.db.collection('distributions').countDocuments({ _id: { $in: ['2026-11', '2026-02'] } as never }), 0);
  });

  it('moves a real reader\'s money to a creator and then refuses to withdraw the click', async () => {
    await at('2026-05-10T12:00:00Z');
    const reader = await signup(api);
    const creator = await signup(api);
    assert.equal((await api.patch('/v1/me', { budget: 500 }, { token: reader.token })).status, 200);
    const deposit = await api.post('/v1/admin/deposits', { userId: reader.id, amount: 2000, reference: 'dist-test-1' }, { token: admin.token });
    assert.equal(deposit.status, 201, deposit.text);
    // The creator's thing: registered, then owned (ownership comes from site verification; set directly here).
    const thing = await api.post('/v1/things', { url: 'https://creator.example/post', title: 'A post' }, { token: creator.token });
    assert.ok([200, 201].includes(thing.status), thing.text);
    await server.db.collection('things').updateOne({ url: thing.body.url }, { $set: { ownerId: new (await import('mongodb')).ObjectId(creator.id) } });
    const click = await api.post('/v1/flattrs', { thingId: thing.body.id }, { token: reader.token, headers: { 'Idempotency-Key': 'k-dist-1' } });
    assert.equal(click.status, 201, click.text);

    await at('2026-06-02T00:00:00Z');
    const outcome = await distributePeriod(server.ctx, '2026-05');
    assert.equal(outcome.totals.contributed, 500);
    assert.equal(await balanceOf(server.db, `user:${reader.id}`), 1500);
    assert.equal(await balanceOf(server.db, `user:${creator.id}`), 450);
    assert.equal(await balanceOf(server.db, 'platform:fees') >= 50, true);
    const withdraw = await api.delete(`/v1/flattrs/${click.body.id}`, { token: await login(reader) });
    assert.equal(withdraw.status, 409);
    assert.equal(withdraw.body.code, 'period_distributed');
    assert.equal((await verifyLedger(server.ctx)).ok, true);
  });

  it('returns escrow to its readers after UNCLAIMED_MONTHS, in the run of the period that many months later', async () => {
    await at('2026-11-20T00:00:00Z');
    const escrowed = (await server.db.collection('escrow').find({ period: '2026-03' }).toArray());
    assert.ok(escrowed.length > 0, 'the seeded period left shares of unowned things in escrow');
    const heldTotal = escrowed.reduce((s, d) => s + d.amount, 0);
    const aReader = escrowed[0]!.readerId.toHexString();
    const readerBefore = await balanceOf(server.db, `user:${aReader}`);
    const readerShare = escrowed.filter((d) => d.readerId.toHexString() === aReader).reduce((s, d) => s + d.amount, 0);

    // 2026-08 is only 5 months later: nothing goes back yet.
    const early = await distributePeriod(server.ctx, '2026-08');
    assert.equal(early.totals.returned, 0);
    const late = await distributePeriod(server.ctx, '2026-09');
    assert.equal(late.totals.returned, heldTotal);
    assert.equal(late.totals.returnedCount, escrowed.length);
    assert.equal(await server.db.collection('escrow').countDocuments({ period: '2026-03', state: { $ne: 'returned' } }), 0);
    assert.equal(await balanceOf(server.db, `user:${aReader}`), readerBefore + readerShare);
    const report = await verifyLedger(server.ctx);
    assert.equal(report.ok, true, JSON.stringify(report.violations));
  });

  it('refuses to start a run (409 ledger_mismatch, no run document) while a cached balance differs from the journal', async () => {
    await at('2026-11-20T00:00:00Z');
    const wallet = (await balances(server.db).findOne({ _id: { $regex: '^user:' } as never, amount: { $gt: 0 } }))!;
    await balances(server.db).updateOne({ _id: wallet._id }, { $inc: { amount: 7 } });
    const refused = await api.post('/v1/admin/distributions', { period: '2026-10' }, { token: admin.token });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.code, 'ledger_mismatch');
    assert.match(refused.body.detail ?? refused.body.title ?? refused.text, /ledger rebuild/);
    assert.deepEqual(refused.body.violations, [{ kind: 'balance_mismatch', account: wallet._id, cached: wallet.amount + 7, journal: wallet.amount }]);
    assert.equal(await server.db.collection('distributions').countDocuments({ _id: '2026-10' as never }), 0);

    const rebuilt = await rebuildBalances(server.db);
    assert.deepEqual(rebuilt.changed, [{ account: wallet._id, before: wallet.amount + 7, after: wallet.amount }]);
    const started = await api.post('/v1/admin/distributions', { period: '2026-10' }, { token: admin.token });
    assert.equal(started.status, 202, started.text);
    const run = await waitForRun('2026-10');
    assert.equal(run.status, 'done', run.error);
    assert.equal(run.ledgerBefore.ok, true);
  });
});
