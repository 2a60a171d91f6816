import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { ServerModule } from '../src/context.js';
import { AppError } from '../src/errors/index.js';
import { defineRoute } from '../src/http/route.js';
import { refusalAudit, startTestServer, testClient, type RefusalAudit, type TestServer } from '../src/testing/index.js';

/** Routes that misbehave on purpose, so the audit the fuzz tests rely on is seen to catch what it must. */
const leaky: ServerModule = {
  name: 'leaky',
  routes: (ctx) => [defineRoute({
    method: 'post',
    path: '/leaky/:mode',
    summary: 'test only',
    tags: ['test'],
    params: z.object({ mode: z.enum(['write-and-refuse', 'write-and-accept', 'refuse', 'undo-and-refuse', 'write-later', 'slow-refuse', 'duplicate-and-refuse-slowly', 'write-and-refuse-slowly']) }),
    responses: { 201: { description: 'ok' }, 400: { description: 'refused' } },
    handler: async ({ params }) => {
      const leaks = ctx.db.collection('leaks');
      switch (params.mode) {
        case 'write-and-refuse':
          await leaks.insertOne({ at: new Date() });
          throw new AppError(400, 'refused', 'refused after writing');
        case 'undo-and-refuse': {
          const { insertedId } = await leaks.insertOne({ at: new Date() });
          await leaks.deleteOne({ _id: insertedId });
          throw new AppError(400, 'refused', 'refused after undoing its write');
        }
        case 'write-later':
          // Work the request leaves running after its answer (like a distribution run it starts).
          setTimeout(() => void leaks.insertOne({ later: true }), 150);
          return { status: 201 };
        case 'slow-refuse':
          await new Promise((resolve) => setTimeout(resolve, 400));
          throw new AppError(400, 'refused', 'refused slowly, writing nothing');
        case 'duplicate-and-refuse-slowly':
          // A write that changes nothing (the id exists), like a second start of a running distribution.
          await leaks.insertOne({ _id: 'taken' as never }).catch(() => {});
          await new Promise((resolve) => setTimeout(resolve, 400));
          throw new AppError(400, 'refused', 'refused after a write that changed nothing');
        case 'write-and-refuse-slowly':
          await leaks.insertOne({ at: new Date() });
          await new Promise((resolve) => setTimeout(resolve, 400));
          throw new AppError(400, 'refused', 'refused slowly after writing');
        case 'write-and-accept':
          await leaks.insertOne({ at: new Date() });
          return { status: 201 };
        default:
          throw new AppError(400, 'refused', 'refused');
      }
    },
  })],
};

describe('refusalAudit (what the fuzz tests rely on to prove refusals write nothing)', () => {
  let server: TestServer;
  let audit: RefusalAudit;
  before(async () => {
    audit = refusalAudit();
    server = await startTestServer({ monitorCommands: true, modules: [audit.module, leaky] });
  });
  after(async () => { await server.close(); });

  it('reports a refused request that changed a collection, and none that did not', async () => {
    const api = testClient(server.url);
    const status = async (mode: string) => (await api.post(`/leaky/${mode}`, {})).status;
    assert.equal(await status('write-and-accept'), 201);
    assert.equal(await status('refuse'), 400);
    assert.equal(await status('undo-and-refuse'), 400);
    assert.deepEqual(await audit.writes(), []);
    // A write left running by an accepted request lands while a refused one is being answered: not the refusal's.
    assert.equal(await status('write-later'), 201);
    assert.equal(await status('slow-refuse'), 400);
    assert.deepEqual(await audit.writes(), []);
    assert.equal(await server.db.collection('leaks').countDocuments({ later: true }), 1, 'the late write happened during the slow refusal');

    assert.equal(await status('write-and-refuse'), 400);
    assert.deepEqual(await audit.writes(), [{ request: 'POST /leaky/write-and-refuse', status: 400, changed: ['leaks (2 → 3 documents)'] }]);
    assert.equal(await audit.refused(), 4);
  });

  it('does not blame a refusal whose own write changed nothing for background work on the same collection, and still reports one whose write did', async () => {
    const api = testClient(server.url);
    const status = async (mode: string) => (await api.post(`/leaky/${mode}`, {})).status;
    await server.db.collection('leaks').insertOne({ _id: 'taken' as never });
    const before = (await audit.writes()).length;
    // The late write of an accepted request lands in 'leaks' while the refusal (which tried to write there too) waits.
    assert.equal(await status('write-later'), 201);
    assert.equal(await status('duplicate-and-refuse-slowly'), 400);
    assert.deepEqual((await audit.writes()).slice(before), []);
    assert.equal(await server.db.collection('leaks').countDocuments({ later: true }), 2, 'the late write happened during the refusal');

    assert.equal(await status('write-later'), 201);
    assert.equal(await status('write-and-refuse-slowly'), 400);
    const reported = (await audit.writes()).slice(before);
    assert.equal(reported.length, 1);
    assert.equal(reported[0]!.request, 'POST /leaky/write-and-refuse-slowly');
  });
});
