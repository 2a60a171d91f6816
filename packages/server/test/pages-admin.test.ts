import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { backgroundRuns, runs } from '../src/distribution/index.js';
import { manualProvider, recordDeposit } from '../src/deposits/index.js';
import { accounts, balanceOf } from '../src/money/index.js';
import { periodStats } from '../src/stats/index.js';
import { createAdmin, login, signup, startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { figureOf, hiddenField, loggedIn, rowOf, verifiedCreator, type LoggedIn, type VerifiedCreator } from './helpers/pages.js';

describe('the admin page (/admin)', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: LoggedIn;
  let csrf: string;
  let creator: VerifiedCreator;

  before(async () => {
    server = await startTestServer({ env: { FEE_BPS: '1000' } });
    api = testClient(server.url);
    server.clock.set('2026-09-15T10:00:00Z');
    admin = await loggedIn(server, api, await createAdmin(server, api));
    csrf = hiddenField((await admin.browser.get('/admin')).text, '_csrf');
    creator = await verifiedCreator(server, api);
  });
  after(async () => {
    await creator?.site.close();
    await server.close();
  });

  it('is for admins: the login page without a session, 403 for a reader (pages, forms, CSV and status)', async () => {
    assert.equal((await fetch(`${server.url}/admin`, { redirect: 'manual' })).headers.get('location'), '/account/login?next=%2Fadmin');
    const reader = await loggedIn(server, api);
    const readerCsrf = hiddenField((await reader.browser.get('/account')).text, '_csrf');
    for (const path of ['/admin', '/admin/distributions/2026-08']) {
      const res = await reader.browser.get(path);
      assert.equal(res.status, 403, path);
      assert.match(res.text, /data-code="insufficient_role"/);
    }
    for (const path of ['/admin/ledger/verify', '/admin/distributions', '/admin/deposits', `/admin/payouts/${new ObjectId()}/paid`, `/admin/users/${reader.user.id}/roles`]) {
      const res = await reader.browser.postForm(path, { _csrf: readerCsrf, period: '2026-08', user: reader.user.email, amount: '100', reference: 'x', roles: 'admin' });
      assert.equal(res.status, 403, path);
    }
    assert.deepEqual((await api.get(`/v1/me`, { token: (await login(api, reader.user)).token })).body.roles, ['reader'], 'no role was taken');
    assert.equal(await balanceOf(server.db, accounts.user(reader.user.id)), 0, 'no deposit was made');
    assert.equal((await reader.browser.get('/admin/payouts.csv')).status, 403);
    assert.equal((await reader.browser.get('/admin/distributions/2026-08/status.json')).status, 403);
    assert.equal((await fetch(`${server.url}/admin/payouts.csv`)).status, 401);
  });

  it('distributes an ended month from the page and shows the run: stages, totals as the run recorded them, the ledger checks', async () => {
    const reader = await signup(api);
    await recordDeposit(server.ctx, manualProvider, { userId: reader.id, amount: 5000, reference: `adm-${reader.id}` });
    await api.patch('/v1/me', { budget: 1000 }, { token: reader.token });
    const thingId = await creator.thing('/admin-run', 'Run me');
    await api.post('/v1/flattrs', { thingId }, { token: reader.token });

    let page = await admin.browser.get('/admin');
    assert.match(rowOf(page.text, 'data-period', '2026-09'), /running month/);
    assert.doesNotMatch(rowOf(page.text, 'data-period', '2026-09'), /Distribute/, 'a running month cannot be distributed');
    const early = await admin.browser.postForm('/admin/distributions', { _csrf: csrf, period: '2026-09' });
    assert.equal(early.status, 409);
    assert.match(early.text, /data-code="period_not_ended"/);

    server.clock.set('2026-10-02T08:00:00Z');
    page = await admin.browser.get('/admin');
    assert.match(rowOf(page.text, 'data-period', '2026-09'), /ended, not distributed/);
    const started = await admin.browser.postForm('/admin/distributions', { _csrf: csrf, period: '2026-09' });
    assert.equal(started.status, 303);
    assert.equal(started.headers.get('location'), '/admin/distributions/2026-09');
    await backgroundRuns.get('2026-09');

    const run = (await runs(server.db).findOne({ _id: '2026-09' }))!;
    assert.equal(run.status, 'done');
    page = await admin.browser.get('/admin/distributions/2026-09');
    assert.equal(page.status, 200);
    assert.equal(figureOf(page.text, 'run-contributed'), run.totals.contributed);
    assert.equal(figureOf(page.text, 'run-fees'), run.totals.fees);
    assert.equal(figureOf(page.text, 'run-toCreators'), run.totals.toCreators);
    assert.equal(run.totals.contributed, 1000);
    assert.match(page.text, /id="ledger-after"[\s\S]*?data-ok="true"/);
    assert.doesNotMatch(page.text, /http-equiv="refresh"/, 'a finished run does not reload');
    assert.doesNotMatch(page.text, /distribution-progress\.js/);

    page = await admin.browser.get('/admin');
    assert.match(rowOf(page.text, 'data-period', '2026-09'), /View the run/);
    const stats = await periodStats(server.ctx, '2026-09');
    assert.match(rowOf(page.text, 'data-stats', '2026-09'), new RegExp(`data-amount="${stats.distributed}"`));
    const again = await admin.browser.postForm('/admin/distributions', { _csrf: csrf, period: '2026-09' });
    assert.equal(again.status, 409);
    assert.match(again.text, /data-code="distribution_done"/);
  });

  it('shows a running run live: a reload without JavaScript, a script that polls the status endpoint', async () => {
    const period = '2025-01';
    await runs(server.db).insertOne({
      _id: period, status: 'running', stage: 'write', runId: 'test', owner: { host: 'elsewhere', pid: 1 }, heartbeatAt: new Date(),
      startedAt: new Date(), finishedAt: null, snapshotAt: new Date(), feeBps: 1000, unclaimedMonths: 6, currency: 'EUR',
      checkpoint: { snapshotUserId: null, readerId: null, escrowId: null },
      progress: { readersDone: 1234, clicksDone: 5678, clicksTotal: 0, usersSnapshotted: 2000, fundsDone: 1000, accountsCredited: 0, escrowDone: 0 },
      totals: { readers: 1234, payingReaders: 1200, clicks: 5678, things: 90, contributed: 123456, fees: 12345, toCreators: 100000, toEscrow: 11111, returned: 0, returnedCount: 0, releasedLate: 0, releasedLateCount: 0 },
      ledgerBefore: null, ledgerAfter: null, stageTimes: {}, resumes: 0, error: null,
    } as never);
    const page = await admin.browser.get(`/admin/distributions/${period}`);
    assert.match(page.text, /<noscript><meta http-equiv="refresh" content="2"><\/noscript>/);
    assert.match(page.text, /<script src="\/assets\/pages\/distribution-progress\.js" defer><\/script>/);
    assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    assert.match(page.text, /<li data-stage="snapshot" class="done">[\s\S]*?<li data-stage="write" aria-current="step">/);
    assert.match(page.text, /data-run-field="readersDone">1,234</);
    const status = await admin.browser.get(`/admin/distributions/${period}/status.json`);
    assert.equal(status.status, 200);
    const body = JSON.parse(status.text);
    assert.equal(body.status, 'running');
    assert.equal(body.fields.readersDone, '1,234');
    assert.equal(body.fields.contributed, '€1,234.56');
    assert.equal((await (await fetch(`${server.url}/assets/pages/distribution-progress.js`)).text()).includes('data-status-url'), true);
    await runs(server.db).deleteOne({ _id: period });
  });

  it('checks the ledger on demand and shows the report', async () => {
    const res = await admin.browser.postForm('/admin/ledger/verify', { _csrf: csrf });
    assert.equal(res.status, 200);
    assert.match(res.text, /id="ledger-report"[^>]*data-ok="true"/);
    assert.match(res.text, /The ledger is correct: \d+ entries/);
  });

  it('credits an account by email once per reference, and names what it refuses', async () => {
    const reader = await signup(api);
    const form = { _csrf: csrf, user: reader.email.toUpperCase(), amount: '25', reference: `bank-${reader.id}` };
    const first = await admin.browser.postForm('/admin/deposits', form);
    assert.equal(first.headers.get('location'), '/admin?done=deposit#deposit');
    await admin.browser.postForm('/admin/deposits', form);
    assert.equal(await balanceOf(server.db, accounts.user(reader.id)), 2500, 'one credit for one reference');
    const conflict = await admin.browser.postForm('/admin/deposits', { ...form, amount: '30' });
    assert.equal(conflict.status, 409);
    assert.match(conflict.text, /data-code="deposit_reference_conflict"/);
    const nobody = await admin.browser.postForm('/admin/deposits', { ...form, user: 'nobody@example.test', reference: 'other' });
    assert.equal(nobody.status, 404);
    const byId = await admin.browser.postForm('/admin/deposits', { ...form, user: reader.id, reference: `bank2-${reader.id}`, amount: '0,5' });
    assert.equal(byId.status, 303);
    assert.equal(await balanceOf(server.db, accounts.user(reader.id)), 2550);
  });

  it('lists payouts due, exports them as CSV and marks one paid', async () => {
    await recordDeposit(server.ctx, manualProvider, { userId: creator.user.id, amount: 4000, reference: `pay-${creator.user.id}` });
    const token = (await login(api, creator.user)).token;
    const payout = (await api.post('/v1/me/payouts', { amount: 1500 }, { token })).body;
    let page = await admin.browser.get('/admin');
    assert.match(rowOf(page.text, 'data-payout', payout.id), /data-amount="1500"/);
    assert.ok(rowOf(page.text, 'data-payout', payout.id).includes(creator.user.email));
    const csv = await admin.browser.get('/admin/payouts.csv');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.ok(csv.text.split('\r\n').some((line) => line.startsWith(`${payout.id},${creator.user.id},${creator.user.email},1500,15.00,EUR,`)));

    assert.equal((await admin.browser.postForm(`/admin/payouts/${payout.id}/paid`, { _csrf: csrf, reference: '' })).status, 400);
    const paid = await admin.browser.postForm(`/admin/payouts/${payout.id}/paid`, { _csrf: csrf, reference: 'SEPA-42' });
    assert.equal(paid.headers.get('location'), '/admin?done=paid#payouts');
    const doc = await server.db.collection('payouts').findOne({ _id: new ObjectId(payout.id) });
    assert.equal(doc?.status, 'paid');
    assert.equal(doc?.reference, 'SEPA-42');
    page = await admin.browser.get('/admin');
    assert.doesNotMatch(page.text, new RegExp(`data-payout="${payout.id}"`));
    const other = await admin.browser.postForm(`/admin/payouts/${payout.id}/paid`, { _csrf: csrf, reference: 'SEPA-43' });
    assert.equal(other.status, 409);
  });

  it('sets roles, keeps reader, and does not let an admin drop their own admin role', async () => {
    const user = await signup(api);
    const page = await admin.browser.get(`/admin?q=${encodeURIComponent(user.email)}`);
    assert.match(rowOf(page.text, 'data-user', user.id), /reader/);
    const set = await admin.browser.postForm(`/admin/users/${user.id}/roles`, { _csrf: csrf, roles: 'creator' });
    assert.equal(set.headers.get('location'), '/admin?done=roles#users');
    assert.deepEqual((await server.db.collection('users').findOne({ _id: new ObjectId(user.id) }))?.roles, ['reader', 'creator']);
    const self = await admin.browser.postForm(`/admin/users/${admin.user.id}/roles`, { _csrf: csrf, roles: 'creator' });
    assert.equal(self.status, 422);
    assert.match(self.text, /data-code="cannot_demote_self"/);
    assert.ok((await server.db.collection('users').findOne({ _id: new ObjectId(admin.user.id) }))?.roles.includes('admin'));
  });
});
