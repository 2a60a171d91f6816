import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { accounts, balanceFromJournal, balanceOf, JOURNAL } from '../src/money/index.js';
import { createAdmin, signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

describe('deposits', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  let reader: TestUser;
  let other: TestUser;
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    admin = await createAdmin(server, api);
    [reader, other] = await Promise.all([signup(api), signup(api)]);
  });
  after(async () => { await server.close(); });

  const credit = (body: unknown, token = admin.token) => api.post('/v1/admin/deposits', body, { token });
  const balance = (user: TestUser) => balanceOf(server.db, accounts.user(user.id));

  describe('POST /v1/admin/deposits (manual provider)', () => {
    it('credits the user with one journal entry deposit:manual:<reference>', async () => {
      const res = await credit({ userId: reader.id, amount: 2500, reference: 'bank-2026-001' });
      assert.equal(res.status, 201);
      assert.equal(res.body.entryId, 'deposit:manual:bank-2026-001');
      assert.equal(res.body.provider, 'manual');
      assert.equal(res.body.userId, reader.id);
      assert.equal(res.body.amount, 2500);
      assert.equal(res.body.currency, 'EUR');
      assert.equal(res.body.demo, false);
      assert.equal(await balance(reader), 2500);
      assert.equal(await balanceFromJournal(server.db, accounts.user(reader.id)), 2500);
      const entry = await server.db.collection(JOURNAL).findOne({ _id: 'deposit:manual:bank-2026-001' as never });
      assert.deepEqual(entry?.postings, [{ account: accounts.deposits, amount: -2500 }, { account: accounts.user(reader.id), amount: 2500 }]);
    });

    it('answers the same reference again with 200 and the same deposit, crediting nothing more', async () => {
      const first = await credit({ userId: reader.id, amount: 700, reference: 'bank-2026-002' });
      const again = await credit({ userId: reader.id, amount: 700, reference: 'bank-2026-002' });
      assert.equal(first.status, 201);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      assert.equal(await balance(reader), 3200);
    });

    it('credits once when one reference arrives many times at once', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => credit({ userId: other.id, amount: 100, reference: 'burst-1' })));
      assert.equal(results.filter((r) => r.status === 201).length, 1, JSON.stringify(results.map((r) => r.status)));
      assert.ok(results.every((r) => r.status === 201 || r.status === 200));
      assert.equal(await balance(other), 100);
    });

    it('refuses the same reference for another amount or user with 409 deposit_reference_conflict', async () => {
      for (const body of [{ userId: reader.id, amount: 701, reference: 'bank-2026-002' }, { userId: other.id, amount: 700, reference: 'bank-2026-002' }]) {
        const res = await credit(body);
        assert.equal(res.status, 409);
        assert.equal(res.body.code, 'deposit_reference_conflict');
      }
      assert.equal(await balance(reader), 3200);
      assert.equal(await balance(other), 100);
    });

    it('answers an unknown or malformed user id with 404 user_not_found', async () => {
      for (const userId of [new ObjectId().toHexString(), 'someone']) {
        const res = await credit({ userId, amount: 100, reference: `nobody-${userId}` });
        assert.equal(res.status, 404);
        assert.equal(res.body.code, 'user_not_found');
      }
    });

    const invalid: Array<[string, Record<string, unknown>]> = [
      ['a zero amount', { amount: 0 }],
      ['a negative amount', { amount: -100 }],
      ['a fractional amount', { amount: 10.5 }],
      ['an amount as a string', { amount: '100' }],
      ['an unsafe integer', { amount: 2 ** 53 }],
      ['an empty reference', { reference: '' }],
      ['a reference with spaces', { reference: 'has spaces' }],
      ['another provider', { provider: 'stripe' }],
      ['no user', { userId: undefined }],
    ];
    for (const [what, change] of invalid) {
      it(`answers ${what} with 400 validation_failed`, async () => {
        const res = await credit({ userId: reader.id, amount: 100, reference: 'valid-ref', ...change });
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'validation_failed');
        assert.equal(await server.db.collection(JOURNAL).countDocuments({ _id: 'deposit:manual:valid-ref' as never }), 0);
      });
    }

    it('is for admins only', async () => {
      assert.equal((await api.post('/v1/admin/deposits', { userId: reader.id, amount: 100, reference: 'x1' })).status, 401);
      const res = await credit({ userId: reader.id, amount: 100, reference: 'x1' }, reader.token);
      assert.equal(res.status, 403);
      assert.equal(await balance(reader), 3200);
    });
  });

  describe('POST /v1/me/deposits/demo', () => {
    it('is refused with 403 demo_topup_disabled unless DEMO_TOPUP=true', async () => {
      const res = await api.post('/v1/me/deposits/demo', { amount: 500 }, { token: reader.token });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'demo_topup_disabled');
      assert.equal(await balance(reader), 3200);
    });

    it('credits play money, clearly marked, when enabled', async () => {
      server.config.demoTopUp = true;
      try {
        const res = await api.post('/v1/me/deposits/demo', { amount: 500 }, { token: other.token });
        assert.equal(res.status, 201);
        assert.equal(res.body.demo, true);
        assert.equal(res.body.provider, 'demo');
        assert.match(res.body.entryId, new RegExp(`^deposit:demo:${other.id}:`));
        assert.equal(await balance(other), 600);
        const entry = await server.db.collection(JOURNAL).findOne({ _id: res.body.entryId });
        assert.match(entry?.memo ?? '', /DEMO/);
      } finally {
        server.config.demoTopUp = false;
      }
    });

    it('credits once per Idempotency-Key and caps a top-up at 100.00', async () => {
      server.config.demoTopUp = true;
      try {
        const top = () => api.post('/v1/me/deposits/demo', { amount: 10000 }, { token: other.token, headers: { 'Idempotency-Key': 'topup-1' } });
        const first = await top();
        const again = await top();
        assert.equal(first.status, 201);
        assert.equal(again.status, 200);
        assert.equal(again.body.entryId, first.body.entryId);
        assert.equal(await balance(other), 10600);
        const over = await api.post('/v1/me/deposits/demo', { amount: 10001 }, { token: other.token });
        assert.equal(over.status, 400);
        const reused = await api.post('/v1/me/deposits/demo', { amount: 5 }, { token: other.token, headers: { 'Idempotency-Key': 'topup-1' } });
        assert.equal(reused.status, 409);
        assert.equal(reused.body.code, 'deposit_reference_conflict');
        assert.equal(await balance(other), 10600);
      } finally {
        server.config.demoTopUp = false;
      }
    });
  });
});
