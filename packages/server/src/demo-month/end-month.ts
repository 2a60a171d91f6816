import type { ServerContext } from '../context.js';
import { AppError, ConflictError, isDuplicateKeyError } from '../errors/index.js';
import { backgroundRuns, getDistribution, startDistribution, type RunJson } from '../distribution/index.js';
import { parsePeriod, periodEnd, periodOf, postEntry } from '../money/index.js';
import { DEMO_CLOCK, DemoClock, type DemoClockDoc } from './demo-clock.js';

export interface EndedMonth {
  period: string;
  /** The distribution run of the period (just started, or the one a first press started). */
  run: RunJson | null;
  /** Resolves when this call's run has finished (at once when it had been started before). */
  done: Promise<void>;
}

/**
 * DEMO ONLY: ends the month `period` now, as if the calendar had moved.
 *
 * 1. The demo clock jumps to the first instant of the next month: its new
 *    offset is stored in `demo_clock` by a compare-and-set on the old one
 *    (two presses of one button move it once), then taken by this process.
 * 2. The journal records the jump: entry `demo.clock:<period>` (no
 *    postings; `createdAt` real time, `meta` the demo time), so nobody reading
 *    the journal takes the month's dates for real ones.
 * 3. The real distribution runs (`startDistribution`): the same code, lock,
 *    checks and entries as an operator's run at a real month's end.
 *
 * `period` is the month the page showed: a second press (or a reload of
 * the post) after the clock has moved finds that month ended already and
 * only makes sure its distribution runs.
 */
export async function endMonthNow(ctx: ServerContext, value: string): Promise<EndedMonth> {
  const clock = ctx.clock;
  if (!ctx.config.demoMode || !(clock instanceof DemoClock)) {
    throw new AppError(404, 'demo_only', 'Ending the month early exists only in demo mode (npm start)');
  }
  const period = parsePeriod(value);
  const current = periodOf(clock.now());
  if (period > current) throw new ConflictError(`${period} has not begun yet`, 'period_not_begun');
  if (period === current) await moveClockPast(ctx, clock, period);
  return distribute(ctx, period);
}

async function moveClockPast(ctx: ServerContext, clock: DemoClock, period: string): Promise<void> {
  const target = periodEnd(period);
  const offsetMs = target.getTime() - clock.base.now().getTime();
  const collection = ctx.db.collection<DemoClockDoc>(DEMO_CLOCK);
  try {
    await collection.updateOne(
      { _id: 'clock', offsetMs: clock.offsetMs },
      { $set: { offsetMs }, $push: { moves: { endedPeriod: period, offsetMs, at: new Date() } } },
      { upsert: true },
    );
  } catch (error) {
    // Another press moved it first (the filter's offset no longer matched, and the upsert met the existing doc).
    if (!isDuplicateKeyError(error)) throw error;
  }
  const stored = await collection.findOne({ _id: 'clock' });
  clock.moveTo(stored?.offsetMs ?? offsetMs);
  await postEntry(ctx.db, {
    _id: `demo.clock:${period}`,
    kind: 'demo.clock',
    period,
    postings: [],
    memo: `DEMO: the demo clock was moved to ${target.toISOString()} to end ${period} early; this month's dates are demo dates`,
    meta: { endedPeriod: period, demoNow: target.toISOString(), offsetMs: clock.offsetMs },
  });
}

async function distribute(ctx: ServerContext, period: string): Promise<EndedMonth> {
  try {
    const { run, done } = await startDistribution(ctx, period);
    backgroundRuns.set(period, done);
    void done.finally(() => backgroundRuns.delete(period));
    return { period, run, done };
  } catch (error) {
    // Started by an earlier press: nothing more to do than to show it.
    if (!(error instanceof ConflictError) || !['distribution_done', 'distribution_running'].includes(error.code)) throw error;
    return { period, run: await getDistribution(ctx, period), done: backgroundRuns.get(period) ?? Promise.resolve() };
  }
}
