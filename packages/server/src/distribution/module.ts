import { z } from 'zod';
import type { ServerModule } from '../context.js';
import { collections } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { defineRoute } from '../http/route.js';
import { ensureValidator, nonNegative, PERIOD_PATTERN } from '../money/index.js';
import { SNAPSHOTS } from './run-doc.js';
import { getDistribution, startDistribution } from './distribute.js';
import { afterDistribution } from '../payday/index.js';

const periodSchema = z.string().regex(PERIOD_PATTERN, 'must be a month like 2026-11');
const runSchema = z.object({
  period: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  stage: z.string(),
  progress: z.object({ readersDone: z.number(), clicksDone: z.number(), clicksTotal: z.number() }).loose(),
  totals: z.record(z.string(), z.number()),
}).loose();

/** Background runs started over HTTP, so tests (and a graceful shutdown) can wait for them. */
export const backgroundRuns = new Map<string, Promise<void>>();

/** The monthly distribution: admin endpoints to start a run and to watch it. */
export const distributionModule: ServerModule = {
  name: 'distribution',
  ensureIndexes: async (ctx) => {
    await ensureValidator(ctx.db, SNAPSHOTS, {
      bsonType: 'object',
      required: ['_id', 'period', 'userId', 'budget', 'available', 'contribution'],
      properties: { budget: nonNegative, available: nonNegative, contribution: nonNegative },
    });
    // The engine's stream: one period's clicks sorted by (reader, thing).
    await collections.flattrs(ctx.db).createIndex({ period: 1, readerId: 1, thingId: 1 });
  },
  routes: (ctx) => [
    defineRoute({
      method: 'post',
      path: '/v1/admin/distributions',
      summary: 'Start (or resume a crashed) distribution of an ended period; it runs in the background',
      tags: ['admin'],
      auth: { scope: 'admin', role: 'admin' },
      body: z.object({ period: periodSchema }),
      responses: {
        202: { description: 'Started or resumed; poll GET /v1/admin/distributions/{period}', schema: runSchema },
        409: { description: '`period_not_ended`, `distribution_running`, `distribution_done` (with `run`) or `ledger_mismatch` (cached balances differ from the journal: `flattr-server ledger rebuild`; with `violations`)' },
      },
      handler: async ({ body }) => {
        const { run, done: distributed } = await startDistribution(ctx, body.period);
        // Then the month's mail and automatic payouts (payday/): a failure there is logged, the run stays done.
        const done = distributed.then(async () => {
          if ((await getDistribution(ctx, run.period))?.status !== 'done') return;
          await afterDistribution(ctx, run.period).catch((error) => ctx.log.error(`after the distribution of ${run.period}`, error));
        });
        backgroundRuns.set(run.period, done);
        void done.finally(() => backgroundRuns.delete(run.period));
        return { status: 202, body: run, headers: { Location: `/v1/admin/distributions/${run.period}` } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/admin/distributions/:period',
      summary: 'A distribution run: status, stage, progress, totals and the ledger checks before and after',
      tags: ['admin'],
      auth: { scope: 'admin', role: 'admin' },
      params: z.object({ period: periodSchema }),
      responses: { 200: { description: 'The run', schema: runSchema }, 404: { description: '`distribution_not_found`' } },
      handler: async ({ params }) => {
        const run = await getDistribution(ctx, params.period);
        if (!run) throw new NotFoundError(`No distribution of ${params.period} has been started`, 'distribution_not_found');
        return { body: run, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
  ],
};
