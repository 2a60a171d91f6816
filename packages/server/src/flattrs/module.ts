import type { ServerContext, ServerModule } from '../context.js';
import { flushFlattrCounts, reconcileFlattrCounts } from '../things/index.js';
import { ensureIdempotencyIndexes } from './idempotency.js';
import { ensureFlattrIndexes } from './indexes.js';
import { flattrRoutes } from './routes.js';

/** The start-up reconciliation of each running server, so that close can stop and await it. */
const reconciling = new WeakMap<ServerContext, { stopped: boolean; done: Promise<void> }>();

/** Flattrs: readers' clicks, one per reader, thing and month. */
export const flattrsModule: ServerModule = {
  name: 'flattrs',
  ensureIndexes: async (ctx) => {
    await ensureFlattrIndexes(ctx);
    await ensureIdempotencyIndexes(ctx.db);
  },
  routes: flattrRoutes,
  // Counts are written behind the clicks (things/flattr-counts.ts): a crash may have lost the last
  // flush's deltas. Repaired from the flattrs in the background: it reads both collections whole.
  start: (ctx) => {
    const run = { stopped: false, done: Promise.resolve() };
    run.done = reconcileFlattrCounts(ctx.db, { stopped: () => run.stopped }).then(
      (rewritten) => { if (rewritten > 0) ctx.log.info(`flattr counts: repaired ${rewritten} from the flattrs`); },
      (error) => { if (!run.stopped) ctx.log.error('flattr counts: reconciliation failed', error); },
    );
    reconciling.set(ctx, run);
  },
  close: async (ctx) => {
    const run = reconciling.get(ctx);
    if (run) {
      run.stopped = true;
      await run.done;
    }
    await flushFlattrCounts(ctx.db);
  },
};
