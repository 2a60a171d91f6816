import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { ESCROW, releaseDeadline, type EscrowView } from './release-escrow.js';

export interface HeldEscrow {
  period: string;
  /** Gross shares waiting (no fee taken yet). */
  amount: number;
  shares: number;
  /** From this instant the distribution returns them to the readers, unless the site is verified before. */
  returnsOn: Date;
}

/**
 * The escrow waiting for the owner of `host`, per month: readers' shares for
 * the host's things that nobody owned when their month was distributed
 * (docs/money.md). Verifying the site releases it; after `UNCLAIMED_MONTHS`
 * it goes back to the readers.
 */
export async function escrowHeldForHost(ctx: ServerContext, host: string): Promise<HeldEscrow[]> {
  const thingIds = await collections.things(ctx.db).find({ host }, { projection: { _id: 1 } }).map((t) => t._id).toArray();
  if (thingIds.length === 0) return [];
  const perPeriod = new Map<string, HeldEscrow>();
  const cursor = ctx.db.collection<EscrowView>(ESCROW).find({ thingId: { $in: thingIds }, state: 'held' }, { projection: { period: 1, amount: 1 } });
  for await (const doc of cursor) {
    const row = perPeriod.get(doc.period) ?? { period: doc.period, amount: 0, shares: 0, returnsOn: releaseDeadline(doc.period, ctx.config.unclaimedMonths) };
    row.amount += doc.amount;
    row.shares += 1;
    perPeriod.set(doc.period, row);
  }
  return [...perPeriod.values()].sort((a, b) => (a.period < b.period ? -1 : 1));
}
