import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addRole, createAdmin } from '../src/accounts/index.js';
import { accounts, periodOf, postEntry, JOURNAL } from '../src/money/index.js';
import { startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';

describe('accounts: /v1/me, budget, balance, roles', () => {
  let server: TestServer;
  let api: TestClient;
  let reader: { id: string; token: string };
  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    const res = await api.post('/v1/auth/signup', { email: 'me@example.org', password: 'my own password', name: 'Me' });
    reader = { id: res.body.user.id, token: res.body.accessToken };
  });
  after(async () => { await server.close(); });

  it('GET /v1/me returns the User object', async () => {
    const res = await api.get('/v1/me', { token: reader.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['budget', 'createdAt', 'currency', 'email', 'emailVerified', 'id', 'language', 'name', 'roles']);
    assert.equal(res.body.name, 'Me');
    assert.equal(res.body.budget, 0);
  });

  it('PATCH /v1/me changes the name and the budget, recording budget.set in the journal', async () => {
    const res = await api.patch('/v1/me', { name: 'Me Again', budget: 500 }, { token: reader.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'Me Again');
    assert.equal(res.body.budget, 500);
    const entries = await server.db.collection(JOURNAL).find({ kind: 'budget.set' }).toArray();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!._id, `budget.set:${reader.id}:1`);
    assert.deepEqual(entries[0]!.postings, []);
    assert.deepEqual(entries[0]!.meta, { userId: reader.id, budget: 500, previous: 0 });

    const same = await api.patch('/v1/me', { budget: 500 }, { token: reader.token });
    assert.equal(same.status, 200);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ kind: 'budget.set' }), 1, 'an unchanged budget writes nothing');
    await api.patch('/v1/me', { budget: 0 }, { token: reader.token });
    assert.equal(await server.db.collection(JOURNAL).countDocuments({ kind: 'budget.set' }), 2);
    assert.equal((await api.get('/v1/me', { token: reader.token })).body.budget, 0);
  });

  it('refuses bad budgets with 400 and writes nothing', async () => {
    const before = await server.db.collection(JOURNAL).countDocuments({});
    for (const budget of [-1, 1.5, 1e9 + 1, Number.MAX_SAFE_INTEGER + 2, '100', null]) {
      const res = await api.patch('/v1/me', { budget }, { token: reader.token });
      assert.equal(res.status, 400, `budget ${budget}`);
      assert.equal(res.body.code, 'validation_failed');
    }
    const unknownField = await api.patch('/v1/me', { roles: ['admin'] }, { token: reader.token });
    assert.equal(unknownField.status, 400);
    const emptyName = await api.patch('/v1/me', { name: '   ' }, { token: reader.token });
    assert.equal(emptyName.status, 400);
    assert.equal(await server.db.collection(JOURNAL).countDocuments({}), before);
    assert.equal((await api.get('/v1/me', { token: reader.token })).body.budget, 0);
  });

  it('accepts the largest budget, 10^9 minor units', async () => {
    const res = await api.patch('/v1/me', { budget: 1_000_000_000 }, { token: reader.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.budget, 1_000_000_000);
    await api.patch('/v1/me', { budget: 0 }, { token: reader.token });
  });

  it('GET /v1/me/balance gives the wallet balance from the journal, the budget and the current period', async () => {
    await postEntry(server.db, { _id: 'deposit:test:acc-1', kind: 'deposit', postings: [
      { account: accounts.deposits, amount: -1234 }, { account: accounts.user(reader.id), amount: 1234 }] });
    await api.patch('/v1/me', { budget: 700 }, { token: reader.token });
    const res = await api.get('/v1/me/balance', { token: reader.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { currency: 'EUR', available: 1234, budget: 700, period: periodOf(server.clock.now()) });
  });

  it('needs authentication', async () => {
    for (const [method, path] of [['GET', '/v1/me'], ['PATCH', '/v1/me'], ['GET', '/v1/me/balance']] as const) {
      const res = await api.request(method, path, method === 'PATCH' ? { body: {} } : {});
      assert.equal(res.status, 401);
    }
  });

  describe('roles', () => {
    let admin: { id: string; token: string };
    before(async () => {
      const { user } = await createAdmin(server.ctx, { email: 'Root@Example.org', password: 'root password!!', name: 'Root' });
      assert.deepEqual(user.roles, ['reader', 'admin']);
      const login = await api.post('/v1/auth/login', { email: 'root@example.org', password: 'root password!!' });
      admin = { id: login.body.user.id, token: login.body.accessToken };
    });

    it('createAdmin promotes an existing account and keeps its password', async () => {
      const signup = await api.post('/v1/auth/signup', { email: 'later@example.org', password: 'later password' });
      const { user, created } = await createAdmin(server.ctx, { email: 'later@example.org', password: 'ignored password' });
      assert.equal(created, false);
      assert.equal(user._id.toHexString(), signup.body.user.id);
      assert.ok(user.roles.includes('admin'));
      assert.equal((await api.post('/v1/auth/login', { email: 'later@example.org', password: 'later password' })).status, 200);
    });

    it('promotes ADMIN_EMAILS at login', async () => {
      await api.post('/v1/auth/signup', { email: 'promoted@example.org', password: 'promoted password' });
      server.config.adminEmails.push('promoted@example.org');
      const login = await api.post('/v1/auth/login', { email: 'promoted@example.org', password: 'promoted password' });
      assert.deepEqual(login.body.user.roles, ['reader', 'admin']);
    });

    it('addRole adds creator once', async () => {
      await addRole(server.ctx, reader.id, 'creator');
      const user = await addRole(server.ctx, reader.id, 'creator');
      assert.deepEqual(user.roles, ['reader', 'creator']);
      assert.deepEqual((await api.get('/v1/me', { token: reader.token })).body.roles, ['reader', 'creator']);
    });

    it('POST /v1/admin/users/:id/roles sets roles (admin only), keeps reader, and takes effect on live tokens', async () => {
      const forbidden = await api.post(`/v1/admin/users/${reader.id}/roles`, { roles: ['admin'] }, { token: reader.token });
      assert.equal(forbidden.status, 403);
      const res = await api.post(`/v1/admin/users/${reader.id}/roles`, { roles: ['admin'] }, { token: admin.token });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.roles, ['reader', 'admin']);
      // Roles are read at each request, but the token's scopes were fixed at login: no admin scope yet.
      const stillNoScope = await api.post(`/v1/admin/users/${reader.id}/roles`, { roles: ['admin'] }, { token: reader.token });
      assert.equal(stillNoScope.status, 403);
      assert.equal(stillNoScope.body.code, 'insufficient_scope');
      const demoted = await api.post(`/v1/admin/users/${reader.id}/roles`, { roles: ['creator'] }, { token: admin.token });
      assert.deepEqual(demoted.body.roles, ['reader', 'creator']);
    });

    it('answers 404 for an unknown user, 400 for an unknown role, 422 when an admin would demote themselves', async () => {
      assert.equal((await api.post('/v1/admin/users/0123456789abcdef01234567/roles', { roles: [] }, { token: admin.token })).status, 404);
      assert.equal((await api.post('/v1/admin/users/not-an-id/roles', { roles: [] }, { token: admin.token })).status, 404);
      assert.equal((await api.post(`/v1/admin/users/${reader.id}/roles`, { roles: ['god'] }, { token: admin.token })).status, 400);
      const self = await api.post(`/v1/admin/users/${admin.id}/roles`, { roles: ['reader'] }, { token: admin.token });
      assert.equal(self.status, 422);
      assert.equal(self.body.code, 'cannot_demote_self');
    });
  });

  it('documents its routes in /v1/openapi.json', async () => {
    const doc = (await api.get('/v1/openapi.json')).body;
    for (const [path, method] of [
      ['/v1/auth/signup', 'post'], ['/v1/auth/login', 'post'], ['/v1/auth/refresh', 'post'], ['/v1/auth/logout', 'post'],
      ['/v1/me', 'get'], ['/v1/me', 'patch'], ['/v1/me/balance', 'get'], ['/v1/me/tokens', 'post'], ['/v1/me/tokens/{id}', 'delete'],
      ['/v1/me/site-tokens', 'get'], ['/v1/admin/users/{id}/roles', 'post'], ['/.well-known/jwks.json', 'get'],
      ['/account/login', 'get'], ['/account/login', 'post'], ['/oauth/authorize', 'get'], ['/oauth/token', 'post'], ['/v1/oauth/clients', 'post'],
    ]) {
      assert.ok(doc.paths[path!]?.[method!], `${method} ${path} documented`);
    }
    assert.equal(doc.paths['/account/login'].get.responses['200'].content['text/html'].schema.type, 'string');
  });
});
