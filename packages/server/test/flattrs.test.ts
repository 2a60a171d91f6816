import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { collections, DISTRIBUTIONS } from '../src/db/index.js';
import { issueSiteToken } from '../src/auth/index.js';
import { recountFlattrs } from '../src/things/index.js';
import { login, signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';

describe('flattrs', () => {
  let server: TestServer;
  let api: TestClient;
  let reader: TestUser;
  let creator: TestUser;
  before(async () => {
    server = await startTestServer();
    server.clock.set(START);
    api = testClient(server.url);
    [reader, creator] = await Promise.all([signup(api), signup(api)]);
    await server.db.collection('sites').insertOne({
      _id: new ObjectId(), userId: new ObjectId(creator.id), host: 'creator.example', origin: 'https://creator.example',
      verifiedAt: new Date(), method: 'well-known', createdAt: new Date(),
    });
  });
  after(async () => { await server.close(); });

  const flattr = (body: unknown, options: { token?: string; key?: string } = {}) => api.post('/v1/flattrs', body, {
    token: options.token ?? reader.token,
    headers: options.key === undefined ? {} : { 'Idempotency-Key': options.key },
  });
  const thingByUrl = (url: string) => collections.things(server.db).findOne({ url });
  /** Moves the server's clock; access tokens are checked against it, so the users sign in again. */
  const moveClockTo = async (date: string, ...users: TestUser[]) => {
    server.clock.set(date);
    for (const user of users) await login(api, user);
  };
  const START = '2026-03-10T12:00:00Z';

  describe('POST /v1/flattrs', () => {
    it('creates the thing on the first click, with the button\'s creator as a claim only (201)', async () => {
      const res = await flattr({ url: 'https://blog.example/first-post?utm_source=rss#comments', title: 'First post', creator: creator.id });
      assert.equal(res.status, 201);
      assert.equal(res.body.period, '2026-03');
      assert.equal(res.body.readerId, reader.id);
      assert.equal(res.body.source, 'click');
      assert.equal(res.body.thing.url, 'https://blog.example/first-post');
      assert.equal(res.body.thing.title, 'First post');
      assert.equal(res.body.thing.ownerId, null);
      assert.equal(res.body.thing.claimedCreator, creator.id);
      assert.equal(res.body.thing.flattrCount, 1);
      assert.equal(res.body.thingId, res.body.thing.id);
    });

    it('answers a repeat click in the same month with 200 and the same flattr, counting once', async () => {
      const first = await api.get(`/v1/things?url=${encodeURIComponent('https://blog.example/first-post')}`);
      const again = await flattr({ thingId: first.body.id });
      assert.equal(again.status, 200);
      assert.equal(again.body.thing.flattrCount, 1);
      const byUrl = await flattr({ url: 'https://BLOG.example/first-post' });
      assert.equal(byUrl.status, 200);
      assert.equal(byUrl.body.id, again.body.id);
      assert.equal(await collections.flattrs(server.db).countDocuments({ readerId: new ObjectId(reader.id) }), 1);
    });

    it('names a thing created without a title by its address', async () => {
      const res = await flattr({ url: 'https://untitled.example/some/page?x=1' });
      assert.equal(res.status, 201);
      assert.equal(res.body.thing.title, 'untitled.example/some/page?x=1');
      assert.equal(res.body.thing.claimedCreator, null);
    });

    it('gives a thing created on a verified site to the site\'s owner, never to the button\'s creator', async () => {
      const res = await flattr({ url: 'https://creator.example/song', creator: reader.id });
      assert.equal(res.status, 201);
      assert.equal(res.body.thing.ownerId, creator.id);
      assert.equal(res.body.thing.claimedCreator, reader.id);
    });

    it('records exactly one flattr for 200 identical clicks at once', async () => {
      const url = 'https://parallel.example/article';
      const results = await Promise.all(Array.from({ length: 200 }, () => flattr({ url, title: 'Parallel' })));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${[...new Set(statuses)]}`);
      assert.equal(statuses.filter((s) => s === 200).length, 199);
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      const thing = await thingByUrl(url);
      assert.equal(thing?.flattrCount, 1);
      assert.equal(await collections.things(server.db).countDocuments({ url }), 1);
      assert.equal(await collections.flattrs(server.db).countDocuments({ thingId: thing!._id }), 1);
      const counts = await api.get(`/v1/counts?url=${encodeURIComponent(url)}`);
      assert.deepEqual(counts.body.counts[url], { thingId: thing!._id.toHexString(), count: 1 });
    });

    it('counts each reader once when many readers click a new URL many times at once', async () => {
      const url = 'https://crowd.example/new';
      const crowd = await Promise.all(Array.from({ length: 15 }, () => signup(api)));
      const results = await Promise.all(crowd.flatMap((user) => Array.from({ length: 4 }, () => flattr({ url }, { token: user.token }))));
      assert.equal(results.filter((r) => r.status === 201).length, 15, JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 200).map((r) => r.body)));
      assert.ok(results.every((r) => r.status === 201 || r.status === 200));
      const thing = await thingByUrl(url);
      assert.equal(await collections.flattrs(server.db).countDocuments({ thingId: thing!._id }), 15);
      assert.equal(thing?.flattrCount, 15);
    });

    it('keeps the count exact while the owner edits the thing during a burst of clicks', async () => {
      const url = 'https://creator.example/busy';
      const registered = await api.post('/v1/things', { url, title: 'Busy' }, { token: creator.token });
      assert.equal(registered.status, 201);
      const crowd = await Promise.all(Array.from({ length: 12 }, () => signup(api)));
      await Promise.all([
        ...crowd.map((user) => flattr({ thingId: registered.body.id }, { token: user.token })),
        ...Array.from({ length: 8 }, (_, i) => api.post('/v1/things', { url, title: `Busy ${i}` }, { token: creator.token })),
      ]);
      const thing = await thingByUrl(url);
      assert.equal(thing?.flattrCount, 12);
      assert.match(thing?.title ?? '', /^Busy \d$/);
    });

    it('counts one flattr per reader: two readers make a count of 2', async () => {
      const second = await signup(api);
      const res = await flattr({ url: 'https://parallel.example/article' }, { token: second.token });
      assert.equal(res.status, 201);
      assert.equal(res.body.thing.flattrCount, 2);
    });

    it('refuses a click on one\'s own thing with 422 own_thing, writing nothing', async () => {
      const own = await flattr({ url: 'https://creator.example/song' }, { token: creator.token, key: 'own-1' });
      assert.equal(own.status, 422);
      assert.equal(own.body.code, 'own_thing');
      const thing = await thingByUrl('https://creator.example/song');
      assert.equal(thing?.flattrCount, 1);
      assert.equal(await collections.flattrs(server.db).countDocuments({ readerId: new ObjectId(creator.id) }), 0);
      // The refused request left its key unused: with another body it is no reuse.
      const other = await flattr({ url: 'https://own-key.example/post' }, { token: creator.token, key: 'own-1' });
      assert.equal(other.status, 201);
    });

    it('refuses a first click on a new URL of one\'s own verified site without creating the thing', async () => {
      const own = await flattr({ url: 'https://creator.example/unreleased', title: 'Mine' }, { token: creator.token });
      assert.equal(own.status, 422);
      assert.equal(own.body.code, 'own_thing');
      assert.equal(await thingByUrl('https://creator.example/unreleased'), null);
    });

    it('answers unknown or malformed thing ids with 404 thing_not_found', async () => {
      for (const thingId of [new ObjectId().toHexString(), 'nope', '']) {
        const res = await flattr({ thingId });
        assert.equal(res.status, 404, thingId);
        assert.equal(res.body.code, 'thing_not_found');
      }
    });

    const invalid: Array<[string, unknown, string]> = [
      ['neither url nor thingId', { title: 'x' }, 'validation_failed'],
      ['both url and thingId', { url: 'https://a.example/', thingId: new ObjectId().toHexString() }, 'validation_failed'],
      ['a title over 300 characters', { url: 'https://a.example/', title: 't'.repeat(301) }, 'validation_failed'],
      ['a creator over 200 characters', { url: 'https://a.example/', creator: 'c'.repeat(201) }, 'validation_failed'],
      ['a url that is a number', { url: 42 }, 'validation_failed'],
      ['a javascript: url', { url: 'javascript:alert(1)' }, 'invalid_url'],
      ['a url with credentials', { url: 'https://u:p@a.example/' }, 'invalid_url'],
    ];
    for (const [what, body, code] of invalid) {
      it(`answers ${what} with 400 ${code}`, async () => {
        const res = await flattr(body);
        assert.equal(res.status, 400);
        assert.equal(res.body.code, code);
        assert.equal(await collections.things(server.db).countDocuments({ host: 'a.example' }), 0);
      });
    }

    it('takes a site token ("one click on this site") from its own origin, which can flattr but not read', async () => {
      const { token } = await issueSiteToken(server.ctx, reader.id, 'https://site-token.example');
      const origin = { Origin: 'https://site-token.example' };
      const res = await api.post('/v1/flattrs', { url: 'https://site-token.example/post' }, { token, headers: origin });
      assert.equal(res.status, 201);
      assert.equal(res.body.readerId, undefined, 'a site does not learn the reader\'s id');
      assert.equal(await server.db.collection('flattrs').countDocuments({ _id: new ObjectId(res.body.id as string), readerId: new ObjectId(reader.id) }), 1);
      const list = await api.get('/v1/me/flattrs', { token, headers: origin });
      assert.equal(list.status, 403);
      assert.equal(list.body.code, 'site_token_not_allowed');
      const elsewhere = await api.post('/v1/flattrs', { url: 'https://site-token.example/other' }, { token, headers: { Origin: 'https://evil.example' } });
      assert.equal(elsewhere.status, 403);
      assert.equal(await thingByUrl('https://site-token.example/other'), null);
    });

    it('needs a credential with the flattr scope', async () => {
      assert.equal((await api.post('/v1/flattrs', { url: 'https://blog.example/x' })).status, 401);
      const pat = await api.post('/v1/me/tokens', { name: 'read only', scopes: ['read'] }, { token: reader.token });
      assert.equal(pat.status, 201);
      const res = await flattr({ url: 'https://blog.example/x' }, { token: pat.body.token });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'insufficient_scope');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for a retry with the same key and body', async () => {
      const body = { url: 'https://idem.example/a', title: 'Idem' };
      const first = await flattr(body, { key: 'retry-1' });
      assert.equal(first.status, 201);
      // Another reader's click changes the thing; the replay still shows the original answer.
      await flattr({ url: 'https://idem.example/a' }, { token: (await signup(api)).token });
      const retry = await flattr(body, { key: 'retry-1' });
      assert.equal(retry.status, 201);
      assert.deepEqual(retry.body, first.body);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal((await thingByUrl('https://idem.example/a'))?.flattrCount, 2);
    });

    it('treats a body with the same fields in another order as the same request', async () => {
      const first = await flattr({ title: 'Order', url: 'https://idem.example/order' }, { key: 'order-1' });
      const retry = await flattr({ url: 'https://idem.example/order', title: 'Order' }, { key: 'order-1' });
      assert.equal(first.status, 201);
      assert.equal(retry.status, 201);
      assert.deepEqual(retry.body, first.body);
    });

    it('refuses the same key with a different body: 409 idempotency_key_reused, nothing written', async () => {
      const res = await flattr({ url: 'https://idem.example/other' }, { key: 'retry-1' });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'idempotency_key_reused');
      assert.equal(await thingByUrl('https://idem.example/other'), null);
    });

    it('keeps keys private to each user', async () => {
      const someoneElse = await signup(api);
      const res = await flattr({ url: 'https://idem.example/other' }, { token: someoneElse.token, key: 'retry-1' });
      assert.equal(res.status, 201);
    });

    it('answers concurrent retries with one key alike', async () => {
      const body = { url: 'https://idem.example/concurrent' };
      const results = await Promise.all(Array.from({ length: 20 }, () => flattr(body, { key: 'concurrent-1' })));
      assert.ok(results.every((r) => r.status === 201), `statuses: ${results.map((r) => r.status)}`);
      assert.equal(new Set(results.map((r) => r.text)).size, 1);
      assert.equal((await thingByUrl('https://idem.example/concurrent'))?.flattrCount, 1);
    });

    it('replays each of many concurrent first clicks on one thing with the count that click answered', async () => {
      const url = 'https://idem.example/crowded';
      const crowd = await Promise.all(Array.from({ length: 12 }, () => signup(api)));
      const firsts = await Promise.all(crowd.map((user, i) => flattr({ url }, { token: user.token, key: `crowd-${i}` })));
      assert.deepEqual(firsts.map((r) => r.body.thing.flattrCount).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
      const retries = await Promise.all(crowd.map((user, i) => flattr({ url }, { token: user.token, key: `crowd-${i}` })));
      for (const [i, retry] of retries.entries()) {
        assert.equal(retry.status, 201);
        assert.equal(retry.headers.get('idempotent-replayed'), 'true');
        assert.deepEqual(retry.body, firsts[i]!.body);
      }
    });

    it('starts afresh once a key is older than 24 hours', async () => {
      await moveClockTo('2026-03-11T12:00:01Z', reader);
      try {
        const res = await flattr({ url: 'https://idem.example/other' }, { key: 'retry-1' });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('idempotent-replayed'), null);
      } finally {
        await moveClockTo(START, reader);
      }
    });

    it('refuses keys that are too long or not printable ASCII with 400 invalid_idempotency_key', async () => {
      for (const key of ['k'.repeat(256), 'tab\there']) {
        const res = await flattr({ url: 'https://idem.example/bad-key' }, { key });
        assert.equal(res.status, 400, key);
        assert.equal(res.body.code, 'invalid_idempotency_key');
      }
      assert.equal((await flattr({ url: 'https://idem.example/bad-key' }, { key: 'k'.repeat(255) })).status, 201);
    });
  });

  describe('DELETE /v1/flattrs/:id and GET /v1/me/flattrs', () => {
    let withdrawer: TestUser;
    before(async () => { withdrawer = await signup(api); });

    it('withdraws a flattr (204), decrements the count, and a new click flattrs again (201)', async () => {
      const url = 'https://withdraw.example/post';
      const first = await flattr({ url }, { token: withdrawer.token });
      assert.equal(first.status, 201);
      const gone = await api.delete(`/v1/flattrs/${first.body.id}`, { token: withdrawer.token });
      assert.equal(gone.status, 204);
      assert.equal(gone.text, '');
      assert.equal((await thingByUrl(url))?.flattrCount, 0);
      const list = await api.get('/v1/me/flattrs', { token: withdrawer.token });
      assert.deepEqual(list.body.items, []);
      assert.equal((await api.delete(`/v1/flattrs/${first.body.id}`, { token: withdrawer.token })).status, 404);
      const again = await flattr({ url }, { token: withdrawer.token });
      assert.equal(again.status, 201);
      assert.equal(again.body.id, first.body.id, 'a flattr\'s id is derived from reader, thing and month');
      assert.equal(again.body.thing.flattrCount, 1);
    });

    it('counts concurrent withdrawals of one flattr once', async () => {
      const url = 'https://withdraw.example/concurrent';
      await flattr({ url });
      const mine = await flattr({ url }, { token: withdrawer.token });
      const results = await Promise.all(Array.from({ length: 10 }, () => api.delete(`/v1/flattrs/${mine.body.id}`, { token: withdrawer.token })));
      assert.equal(results.filter((r) => r.status === 204).length, 1, JSON.stringify(results.map((r) => r.status)));
      assert.ok(results.every((r) => r.status === 204 || r.body?.code === 'flattr_not_found'));
      assert.equal((await thingByUrl(url))?.flattrCount, 1);
    });

    it('answers another reader\'s flattr, an unknown and a malformed id with 404 flattr_not_found', async () => {
      const others = await flattr({ url: 'https://withdraw.example/others' });
      for (const id of [others.body.id, new ObjectId().toHexString(), 'not-an-id']) {
        const res = await api.delete(`/v1/flattrs/${id}`, { token: withdrawer.token });
        assert.equal(res.status, 404, id);
        assert.equal(res.body.code, 'flattr_not_found');
      }
      assert.equal(await collections.flattrs(server.db).countDocuments({ _id: new ObjectId(others.body.id as string) }), 1);
    });

    it('lists a month\'s flattrs newest first with their things; other months apart', async () => {
      const lister = await signup(api);
      await moveClockTo('2026-04-02T08:00:00Z', lister);
      const a = await flattr({ url: 'https://list.example/a', title: 'A' }, { token: lister.token });
      await moveClockTo('2026-04-03T08:00:00Z', lister);
      const b = await flattr({ url: 'https://list.example/b', title: 'B' }, { token: lister.token });
      await moveClockTo('2026-05-01T00:00:00Z', lister);
      const c = await flattr({ url: 'https://list.example/a' }, { token: lister.token });
      assert.equal(c.status, 201, 'a new month flattrs the same thing again');
      assert.equal(c.body.thing.flattrCount, 2);

      const april = await api.get('/v1/me/flattrs?period=2026-04', { token: lister.token });
      assert.equal(april.status, 200);
      assert.equal(april.body.period, '2026-04');
      assert.deepEqual(april.body.items.map((f: { id: string }) => f.id), [b.body.id, a.body.id]);
      assert.equal(april.body.items[0].thing.title, 'B');
      const current = await api.get('/v1/me/flattrs', { token: lister.token });
      assert.equal(current.body.period, '2026-05');
      assert.deepEqual(current.body.items.map((f: { id: string }) => f.id), [c.body.id]);
      assert.deepEqual((await api.get('/v1/me/flattrs?period=2025-01', { token: lister.token })).body.items, []);
      await moveClockTo(START, reader);
    });

    it('answers a malformed period with 400 and an anonymous caller with 401', async () => {
      for (const period of ['2026-13', '2026-3', 'march', '2026-03-01']) {
        const res = await api.get(`/v1/me/flattrs?period=${period}`, { token: reader.token });
        assert.equal(res.status, 400, period);
        assert.equal(res.body.code, 'validation_failed');
      }
      assert.equal((await api.get('/v1/me/flattrs')).status, 401);
    });

    it('refuses to withdraw once the month is distributed: 409 period_distributed', async () => {
      const late = await signup(api);
      await moveClockTo('2026-06-20T10:00:00Z', late);
      const june = await flattr({ url: 'https://withdraw.example/june' }, { token: late.token });
      assert.equal(june.status, 201);
      await moveClockTo('2026-07-02T10:00:00Z', late);
      await server.db.collection(DISTRIBUTIONS).insertOne({ _id: '2026-06' as never, startedAt: new Date() });
      const res = await api.delete(`/v1/flattrs/${june.body.id}`, { token: late.token });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'period_distributed');
      assert.equal((await thingByUrl('https://withdraw.example/june'))?.flattrCount, 1);
      assert.equal((await api.get('/v1/me/flattrs?period=2026-06', { token: late.token })).body.items.length, 1);
      await moveClockTo(START, reader);
    });
  });
  describe('counts written with the click', () => {
    const storedCount = async (url: string) => (await collections.things(server.db).findOne({ url }))?.flattrCount;

    it('answers exact counts everywhere, and the database holds them when the answer arrives', async () => {
      const url = 'https://behind.example/post';
      const crowd = await Promise.all(Array.from({ length: 6 }, () => signup(api)));
      const clicks = await Promise.all(crowd.map((user) => flattr({ url }, { token: user.token })));
      assert.equal(clicks.filter((r) => r.status === 201).length, 6);
      assert.equal(await storedCount(url), 6);
      const [counts, byUrl, list] = await Promise.all([
        api.get(`/v1/counts?url=${encodeURIComponent(url)}`),
        api.get(`/v1/things?url=${encodeURIComponent(url)}`),
        api.get('/v1/me/flattrs', { token: crowd[0]!.token }),
      ]);
      assert.equal(counts.body.counts[url].count, 6);
      assert.equal(byUrl.body.flattrCount, 6);
      assert.equal((await api.get(`/v1/things/${byUrl.body.id}`)).body.flattrCount, 6);
      assert.equal(list.body.items[0].thing.flattrCount, 6);
      // Each 201 shows the count its own $inc made: 1 to 6, each once.
      assert.deepEqual(clicks.map((r) => r.body.thing.flattrCount).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    });

    it('has the count stored before each answer, click after click', async () => {
      const url = 'https://behind.example/one-by-one';
      for (const [i, user] of (await Promise.all([signup(api), signup(api), signup(api)])).entries()) {
        const res = await flattr({ url }, { token: user.token });
        assert.equal(res.status, 201);
        assert.equal(res.body.thing.flattrCount, i + 1);
        assert.equal(await storedCount(url), i + 1);
      }
    });

    it('repairs a count a crash left off from the flattrs (recountFlattrs)', async () => {
      const url = 'https://behind.example/crashed';
      const crowd = await Promise.all(Array.from({ length: 3 }, () => signup(api)));
      for (const user of crowd) assert.equal((await flattr({ url }, { token: user.token })).status, 201);
      // As if the process died between a flattr's insert and its $inc.
      await collections.things(server.db).updateOne({ url }, { $set: { flattrCount: 2 } });
      const thing = await thingByUrl(url);
      assert.equal(await recountFlattrs(server.db, thing!._id), 3);
      assert.equal((await api.get(`/v1/counts?url=${encodeURIComponent(url)}`)).body.counts[url].count, 3);
    });
  });

  // Needs a URI to add the driver's monitorCommands option to (the test scripts always set one).
  describe('what one click costs (commands the server sends, by command monitoring)', { skip: process.env.MONGODB_URI ? false : 'needs MONGODB_URI' }, () => {
    let counted: TestServer;
    let clicks: TestClient;
    /** Commands on the collections a click may touch (background work, e.g. signing keys, is left out). */
    const CLICK_COLLECTIONS = new Set(['distributions', 'things', 'flattrs', 'users', 'sites']);
    let seen: string[] = [];
    before(async () => {
      const uri = process.env.MONGODB_URI!.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\?|$)/, '$1/$2');
      counted = await startTestServer({ env: { MONGODB_URI: `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true` } });
      clicks = testClient(counted.url);
      counted.ctx.client.on('commandStarted', (event) => {
        const collection = event.command[event.commandName];
        if (event.databaseName === counted.ctx.db.databaseName && CLICK_COLLECTIONS.has(collection)) seen.push(`${event.commandName} ${collection}`);
      });
    });
    after(async () => { await counted.close(); });

    const commandsOf = async (send: () => Promise<{ status: number }>, status: number) => {
      seen = [];
      const res = await send();
      assert.equal(res.status, status);
      return seen;
    };

    it('costs 5 for a first click that creates the thing, 3 for a first click on an existing one, 1 for a repeat or a replay', async () => {
      const [first, second] = [await signup(clicks), await signup(clicks)];
      const click = (user: TestUser, body: unknown, key?: string) => () => clicks.post('/v1/flattrs', body, {
        token: user.token, headers: key === undefined ? {} : { 'Idempotency-Key': key },
      });
      const url = 'https://costs.example/post';
      assert.deepEqual(await commandsOf(click(first, { url, title: 'Costs' }, 'c-1'), 201),
        ['aggregate distributions', 'find sites', 'insert things', 'insert flattrs', 'findAndModify things']);
      assert.deepEqual(await commandsOf(click(second, { url, title: 'Costs' }, 'c-2'), 201),
        ['aggregate distributions', 'insert flattrs', 'findAndModify things']);
      assert.deepEqual(await commandsOf(click(second, { url }, 'c-3'), 200), ['aggregate distributions']);
      assert.deepEqual(await commandsOf(click(second, { url, title: 'Costs' }, 'c-2'), 201), ['aggregate distributions']);
      const third = await signup(clicks);
      const thingId = (await clicks.get(`/v1/things?url=${encodeURIComponent(url)}`)).body.id;
      assert.deepEqual(await commandsOf(click(third, { thingId }), 201), ['aggregate distributions', 'insert flattrs', 'findAndModify things']);
      assert.deepEqual(await commandsOf(click(third, { thingId }), 200), ['aggregate distributions']);
    });
  });
});
