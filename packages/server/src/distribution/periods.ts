import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { hasEnded, periodOf } from '../money/index.js';
import { runs, toRunJson, type RunJson } from './run-doc.js';

export interface PeriodOverview {
  period: string;
  /** The month is over: it can be distributed. */
  ended: boolean;
  /** Its run (running, done or failed), or null before the first start. */
  run: RunJson | null;
}

/**
 * Every month that has clicks or a run, newest first, with its run: what
 * the admin distributes. Months come from the flattrs' `period` (distinct,
 * served by its index) and the runs; the current month is always listed.
 */
export async function listPeriods(ctx: ServerContext): Promise<PeriodOverview[]> {
  const now = ctx.clock.now();
  const [clicked, done] = await Promise.all([
    collections.flattrs(ctx.db).distinct('period') as Promise<string[]>,
    runs(ctx.db).find({}).toArray(),
  ]);
  const byPeriod = new Map(done.map((run) => [run._id, toRunJson(run)]));
  const periods = new Set<string>([...clicked, ...byPeriod.keys(), periodOf(now)]);
  return [...periods].sort().reverse().map((period) => ({ period, ended: hasEnded(period, now), run: byPeriod.get(period) ?? null }));
}
