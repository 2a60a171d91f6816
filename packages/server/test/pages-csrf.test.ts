import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { issueSiteToken } from '../src/auth/index.js';
import { manualProvider, recordDeposit } from '../src/deposits/index.js';
import { periodOf } from '../src/money/index.js';
import { toOpenApiPath } from '../src/http/openapi.js';
import { createAdmin, login, signup, startTestServer, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { hiddenField, loggedIn, verifiedCreator, type LoggedIn, type VerifiedCreator } from './helpers/pages.js';
import { startProofServer, type ProofServer } from '../src/sites/testing/proof-server.js';

/**
 * The class of fault, not an example: every form post of the server's pages
 * (every POST route outside the token API) is tried three ways by a logged-in
 * admin whose forms would otherwise act (real ids, money to move, a proof
 * in place): without the token, with another user's token, and with the
 * right token from a foreign Origin. Each must answer 403 and leave the
 * whole database as it was. A new form without a case here fails the test.
 */
describe('every form of the pages refuses a missing or foreign CSRF token and writes nothing', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: LoggedIn;
  let stranger: LoggedIn;
  let creator: VerifiedCreator;
  let site: ProofServer;
  const cases = new Map<string, { path: string; body: Record<string, string> }>();

  before(async () => {
    server = await startTestServer({ env: { DEMO_MODE: 'true', DEMO_TOPUP: 'true' } });
    api = testClient(server.url);
    server.clock.set('2026-05-20T10:00:00Z');
    const adminUser = await createAdmin(server, api);
    admin = await loggedIn(server, api, adminUser);
    stranger = await loggedIn(server, api);
    creator = await verifiedCreator(server, api);
    site = await startProofServer();
    site.pages.set('/.well-known/flattr', { body: adminUser.id });

    // Something for each form to act on.
    await recordDeposit(server.ctx, manualProvider, { userId: adminUser.id, amount: 10_000, reference: 'csrf-admin' });
    await recordDeposit(server.ctx, manualProvider, { userId: creator.user.id, amount: 10_000, reference: 'csrf-creator' });
    const thingId = await creator.thing('/csrf', 'CSRF');
    const flattr = (await api.post('/v1/flattrs', { thingId }, { token: adminUser.token })).body;
    const otherThing = await creator.thing('/csrf-sub', 'Sub');
    const subscription = (await api.post('/v1/subscriptions', { thingId: otherThing, months: 2 }, { token: adminUser.token })).body;
    const addedSite = (await api.post('/v1/sites', { url: site.origin }, { token: adminUser.token })).body;
    const { siteToken } = await issueSiteToken(server.ctx, adminUser.id, 'https://one-click.example');
    const payout = (await api.post('/v1/me/payouts', { amount: 500 }, { token: (await login(api, creator.user)).token })).body;
    const user = await signup(api);
    const oauthClient = (await api.post('/v1/oauth/clients', { name: 'CSRF App', redirectUris: ['https://app.example/callback'] }, { token: creator.user.token })).body;
    server.clock.set('2026-06-02T10:00:00Z'); // May has ended: it could be distributed.

    const add = (route: string, path: string, body: Record<string, string> = {}) => cases.set(route, { path, body });
    add('/account/login', '/account/login', { email: adminUser.email, password: adminUser.password });
    add('/account/signup', '/account/signup', { email: 'csrf-new@example.test', password: 'a long enough password' });
    add('/account/logout', '/account/logout');
    add('/oauth/authorize', '/oauth/authorize', {
      response_type: 'code', client_id: oauthClient.clientId, redirect_uri: 'https://app.example/callback', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256', scope: 'read flattr', state: 'csrf', decision: 'approve',
    });
    add('/widget/confirm', '/widget/confirm', { url: `${creator.site.origin}/csrf-confirm`, title: 'x', origin: 'https://blog.example', oneClick: '1' });
    add('/settings/site-tokens/{id}/revoke', `/settings/site-tokens/${siteToken.id}/revoke`);
    add('/settings/site-tokens/{id}/cap', `/settings/site-tokens/${siteToken.id}/cap`, { monthlyCap: '3' });
    add('/settings/budget', '/settings/budget', { budget: '9' });
    add('/account/top-up', '/account/top-up', { provider: 'demo', amount: '5', reference: 'page-0123456789abcdef01234567' });
    add('/account/flattrs/{id}/withdraw', `/account/flattrs/${flattr.id}/withdraw`);
    add('/account/subscriptions/{id}/{action}', `/account/subscriptions/${subscription.id}/cancel`);
    add('/creator/sites', '/creator/sites', { url: 'https://csrf-site.example' });
    add('/creator/sites/{id}/verify', `/creator/sites/${addedSite.id}/verify`);
    add('/creator/payouts', '/creator/payouts', { amount: '1' });
    add('/admin/ledger/verify', '/admin/ledger/verify');
    add('/admin/distributions', '/admin/distributions', { period: '2026-05' });
    add('/admin/deposits', '/admin/deposits', { user: adminUser.email, amount: '5', reference: 'csrf-deposit' });
    add('/admin/payouts/{id}/paid', `/admin/payouts/${payout.id}/paid`, { reference: 'CSRF' });
    add('/admin/users/{id}/roles', `/admin/users/${user.id}/roles`, { roles: 'admin' });
    add('/demo/end-month', '/demo/end-month', { period: periodOf(server.ctx.clock.now()), back: '/account' });
  });
  after(async () => {
    await site?.close();
    await creator?.site.close();
    await server.close();
  });

  /** Every document of every collection, hashed: any write shows. */
  async function fingerprint(): Promise<string> {
    const hash = createHash('sha256');
    for (const { name } of (await server.db.listCollections().toArray()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      hash.update(name);
      for (const doc of await server.db.collection(name).find({}).sort({ _id: 1 }).toArray()) hash.update(JSON.stringify(doc));
    }
    return hash.digest('hex');
  }

  it('has a case for every form post the server mounts', () => {
    const forms = server.app.routes
      .filter((r) => r.method === 'post' && !r.path.startsWith('/v1/') && r.path !== '/oauth/token')
      .map((r) => toOpenApiPath(r.path));
    assert.deepEqual(forms.filter((path) => !cases.has(path)), [], 'forms without a CSRF case');
    assert.ok(forms.length >= 18);
  });

  it('refuses each without a token, with another user\'s token, and from a foreign origin', async () => {
    const token = hiddenField((await admin.browser.get('/account')).text, '_csrf');
    const foreign = hiddenField((await stranger.browser.get('/account')).text, '_csrf');
    assert.notEqual(token, foreign);
    const before = await fingerprint();
    const failures: string[] = [];
    for (const [route, { path, body }] of cases) {
      const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
        ['no token', body, {}],
        ['foreign token', { ...body, _csrf: foreign }, {}],
        ['foreign origin', { ...body, _csrf: token }, { origin: 'https://evil.example' }],
      ];
      for (const [how, fields, headers] of attempts) {
        const res = await admin.browser.postForm(path, fields, headers);
        if (res.status !== 403) failures.push(`${route} (${how}): ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await fingerprint(), before, 'nothing was written');
  });

  it('acts with the right token (so the refusals above are the token\'s doing)', async () => {
    const token = hiddenField((await admin.browser.get('/account')).text, '_csrf');
    const before = await fingerprint();
    const { path, body } = cases.get('/admin/deposits')!;
    const res = await admin.browser.postForm(path, { ...body, _csrf: token });
    assert.equal(res.status, 303);
    assert.notEqual(await fingerprint(), before);
  });
});
