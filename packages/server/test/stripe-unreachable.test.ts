import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { JOURNAL } from '../src/money/index.js';
import {
  createAdmin, signup, startTestServer, stripeTestEnv, testClient, type TestClient, type TestServer, type TestUser,
} from '../src/testing/index.js';

/** A loopback port nothing listens on: Stripe's API "down" (connections refused). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Stripe configured but not answering: every route that asks Stripe answers
 * 502 `stripe_unavailable` problem+json with Retry-After (the upstream's
 * failure, to be tried again), never a 500, and writes no money. Seen failing
 * before the error middleware knew Stripe's errors: 500 internal_error.
 */
describe('Stripe not answering', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  let reader: TestUser;
  before(async () => {
    server = await startTestServer({ env: stripeTestEnv(`http://127.0.0.1:${await closedPort()}`) });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
    reader = await signup(api);
  });
  after(async () => { await server?.close(); });

  it('answers 502 stripe_unavailable with Retry-After on every route that asks Stripe, and writes no money', async () => {
    const journalBefore = await server.db.collection(JOURNAL).countDocuments();
    const calls: Array<[string, string, TestUser, object | undefined]> = [
      ['POST', '/v1/me/deposits/checkout', reader, { amount: 1000 }],
      ['POST', '/v1/me/payout-destination/stripe', reader, undefined],
      ['GET', '/v1/admin/reconciliation/stripe?period=2026-11', admin, undefined],
    ];
    for (const [method, path, user, body] of calls) {
      const res = await api.request(method, path, { token: user.token, ...(body ? { body } : {}) });
      assert.equal(res.status, 502, `${method} ${path}: ${res.text.slice(0, 300)}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, path);
      assert.equal(JSON.parse(res.text).code, 'stripe_unavailable', path);
      assert.ok(Number(res.headers.get('retry-after')) > 0, `${path}: Retry-After`);
    }
    assert.equal(await server.db.collection(JOURNAL).countDocuments(), journalBefore, 'no journal entry');
  });
});
