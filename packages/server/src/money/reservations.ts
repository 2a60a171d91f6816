import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { balances, type BalanceDoc } from './balances.js';

/**
 * A distribution run's hold on readers' money (docs/money.md, "Reservations").
 * The snapshot moves each reader's contribution from `amount` (spendable) to
 * `reserved.<period>` with a guarded update, so a payout, which may only take
 * `amount`, can never take money the run has counted. The write stage
 * settles each reservation with its reader's entry.
 */
export interface ReservationRequest {
  account: string;
  budget: number;
  /** The account as the caller read it (its `amount` decides the first try). */
  seen: Pick<BalanceDoc, 'amount' | 'reserved'>;
}

/**
 * Reserves `min(budget, amount)` of each account for `period`, once: an
 * account that holds a reservation for the period keeps it (a resumed
 * snapshot). Accounts whose amount changed since they were read are read
 * again and retried one by one.
 * @returns the reservation of every account (0: nothing reserved).
 */
export async function reserveMany(db: Db, period: string, requests: readonly ReservationRequest[]): Promise<Map<string, number>> {
  const field = `reserved.${period}`;
  const reserved = new Map<string, number>();
  const ops: AnyBulkWriteOperation<BalanceDoc>[] = [];
  const tried: ReservationRequest[] = [];
  for (const request of requests) {
    const held = request.seen.reserved?.[period];
    if (held !== undefined) {
      reserved.set(request.account, held);
      continue;
    }
    const amount = Math.min(request.budget, Math.max(0, request.seen.amount));
    reserved.set(request.account, amount);
    if (amount === 0) continue;
    tried.push(request);
    ops.push({ updateOne: { filter: { _id: request.account, amount: { $gte: amount }, [field]: { $exists: false } }, update: { $inc: { amount: -amount }, $set: { [field]: amount } } } });
  }
  if (ops.length === 0) return reserved;
  const result = await balances(db).bulkWrite(ops, { ordered: false });
  if (result.modifiedCount === ops.length) return reserved;
  // Some guard failed: see which accounts hold the reservation now, retry the others.
  const now = await balances(db).find({ _id: { $in: tried.map((r) => r.account) } }, { projection: { amount: 1, reserved: 1 } }).toArray();
  const byId = new Map(now.map((d) => [d._id, d]));
  for (const request of tried) {
    const doc = byId.get(request.account);
    const held = doc?.reserved?.[period];
    reserved.set(request.account, held ?? (await reserveOne(db, period, request.account, request.budget)));
  }
  return reserved;
}

async function reserveOne(db: Db, period: string, account: string, budget: number): Promise<number> {
  const field = `reserved.${period}`;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const doc = await balances(db).findOne({ _id: account }, { projection: { amount: 1, reserved: 1 } });
    const held = doc?.reserved?.[period];
    if (held !== undefined) return held;
    const amount = Math.min(budget, Math.max(0, doc?.amount ?? 0));
    if (amount === 0) return 0;
    const result = await balances(db).updateOne(
      { _id: account, amount: { $gte: amount }, [field]: { $exists: false } },
      { $inc: { amount: -amount }, $set: { [field]: amount } },
    );
    if (result.modifiedCount === 1) return amount;
  }
  throw new Error(`could not reserve for ${period} on ${account}: its balance keeps changing`);
}

export interface Settlement {
  account: string;
  /** What the snapshot reserved. */
  reserved: number;
  /** What the reader's entry took of it (0 without an entry); the rest goes back to `amount`. */
  contribution: number;
}

/**
 * Ends reservations of `period`: the contribution leaves with the reader's
 * entry (written before this), the rest becomes spendable again. Idempotent:
 * the filter matches only while the reservation is there.
 */
export async function settleMany(db: Db, period: string, settlements: readonly Settlement[]): Promise<void> {
  const field = `reserved.${period}`;
  const ops: AnyBulkWriteOperation<BalanceDoc>[] = [];
  for (const s of settlements) {
    if (s.reserved === 0) continue;
    if (s.contribution > s.reserved) throw new Error(`${s.account}: contribution ${s.contribution} above its reservation ${s.reserved}`);
    ops.push({ updateOne: { filter: { _id: s.account, [field]: s.reserved }, update: { $inc: { amount: s.reserved - s.contribution }, $unset: { [field]: '' } } } });
  }
  if (ops.length > 0) await balances(db).bulkWrite(ops, { ordered: false });
}
