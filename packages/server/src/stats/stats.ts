import type { ServerContext } from '../context.js';
import { DISTRIBUTIONS } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { JOURNAL, type JournalEntry } from '../money/index.js';

/** The totals a finished distribution run records (docs/money.md, "Distribution run"). */
interface RunTotals {
  readers: number;
  payingReaders?: number;
  clicks: number;
  things: number;
  contributed: number;
  fees: number;
  toCreators: number;
  toEscrow: number;
}

interface RunView {
  _id: string;
  status: string;
  finishedAt?: Date;
  currency?: string;
  totals?: RunTotals;
}

export interface PeriodStats {
  period: string;
  currency: string;
  /** Readers who flattred something in the period. */
  readers: number;
  /** Of those, readers whose contribution was above zero. */
  payingReaders: number;
  /** Distinct (reader, thing) pairs distributed. */
  clicks: number;
  /** Distinct things flattred. */
  things: number;
  /** Total the readers contributed. */
  distributed: number;
  /** Net shares paid to verified owners at distribution. */
  toCreators: number;
  /** Platform fees taken at distribution. */
  fees: number;
  /** Gross shares put in escrow for things without a verified owner. */
  toEscrow: number;
  /** Of this period's escrow: released to owners who verified since (gross), and the fees taken on release. */
  released: number;
  releasedFees: number;
  /** Of this period's escrow: returned to the readers after UNCLAIMED_MONTHS. */
  returned: number;
  /** Of this period's escrow: still waiting. */
  escrowHeld: number;
  distributedAt: string | null;
}

/**
 * The public monthly log: what the finished run of `period` recorded, and
 * what became of that period's escrow since (from the journal's
 * `escrow.release` / `escrow.return` entries, whose `period` is the escrow's).
 * 404 `period_not_distributed` until the run is done.
 */
export async function periodStats(ctx: ServerContext, period: string): Promise<PeriodStats> {
  const run = await ctx.db.collection<RunView>(DISTRIBUTIONS).findOne({ _id: period });
  if (!run || run.status !== 'done' || !run.totals) {
    throw new NotFoundError(`Period ${period} has not been distributed (yet)`, 'period_not_distributed');
  }
  // Two rows at most: the database sums (meta.amount and meta.fee are integer minor units).
  const sums = await ctx.db.collection<JournalEntry>(JOURNAL).aggregate<{ _id: string; amount: number; fee: number }>([
    { $match: { period, kind: { $in: ['escrow.release', 'escrow.return'] } } },
    { $group: { _id: '$kind', amount: { $sum: '$meta.amount' }, fee: { $sum: '$meta.fee' } } },
  ]).toArray();
  const release = sums.find((s) => s._id === 'escrow.release');
  const released = release?.amount ?? 0;
  const releasedFees = release?.fee ?? 0;
  const returned = sums.find((s) => s._id === 'escrow.return')?.amount ?? 0;
  const t = run.totals;
  return {
    period,
    currency: run.currency ?? ctx.config.currency,
    readers: t.readers,
    payingReaders: t.payingReaders ?? t.readers,
    clicks: t.clicks,
    things: t.things,
    distributed: t.contributed,
    toCreators: t.toCreators,
    fees: t.fees,
    toEscrow: t.toEscrow,
    released,
    releasedFees,
    returned,
    escrowHeld: t.toEscrow - released - returned,
    distributedAt: run.finishedAt ? new Date(run.finishedAt).toISOString() : null,
  };
}
