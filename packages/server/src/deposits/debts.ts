import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { isDuplicateKeyError } from '../errors/index.js';
import {
  accounts, balanceFromJournal, balances, InsufficientFundsError, LEASE_MS, postEntry,
} from '../money/index.js';

export const DEBT_LOCKS = 'debt_locks';

/** One per user who ever had a debt collected: who collects now (a lease) and how many collections there were. */
interface DebtLockDoc {
  _id: string;
  token: string | null;
  lockedUntil: Date;
  seq: number;
}

const locks = (ctx: Pick<ServerContext, 'db'>): Collection<DebtLockDoc> => ctx.db.collection<DebtLockDoc>(DEBT_LOCKS);

/** What the user owes (≥ 0), from the journal (the source of truth). */
export async function debtOf(ctx: Pick<ServerContext, 'db'>, userId: string): Promise<number> {
  return Math.max(0, -(await balanceFromJournal(ctx.db, accounts.debt(userId))));
}

/**
 * Pays a user's debt from their wallet, as far as the wallet goes: entry
 * `debt.collect:<userId>:<n>` (user −s, debt +s, s = min(owed, spendable)).
 *
 * Two collectors at once could each see the whole debt and pay it twice
 * (the debt account would go above zero). So collecting takes a per-user
 * lease first (one conditional update: one winner; the loser leaves it to
 * the winner), and the amount owed is read from the journal plus the
 * collections whose guarded debit is taken but whose entry is not written
 * yet (they sit in the wallet's intents). `n` counts the leases taken, so
 * each collection has its own id. A collector that stalls longer than the
 * lease (60 s) could overlap the next one; the ledger check would then report
 * `debt_positive`.
 *
 * Called after money reaches a wallet that may owe (deposits, reinstatements)
 * and before a payout request, so a debtor cannot take money out first.
 * @returns the amount collected.
 */
export async function collectDebt(ctx: ServerContext, userId: string): Promise<number> {
  // Most users never owe: one read of the cached debt account decides.
  const cached = await balances(ctx.db).findOne({ _id: accounts.debt(userId) }, { projection: { amount: 1 } });
  if (!cached || cached.amount >= 0) return 0;
  const token = randomUUID();
  const now = ctx.clock.now();
  let lease: DebtLockDoc | null;
  try {
    lease = await locks(ctx).findOneAndUpdate(
      { _id: userId, lockedUntil: { $lt: now } },
      { $set: { token, lockedUntil: new Date(now.getTime() + LEASE_MS) }, $inc: { seq: 1 } },
      { upsert: true, returnDocument: 'before' },
    );
  } catch (error) {
    if (isDuplicateKeyError(error)) return 0; // another collector holds the lease
    throw error;
  }
  const seq = (lease?.seq ?? 0) + 1;
  try {
    const wallet = await balances(ctx.db).findOne({ _id: accounts.user(userId) }, { projection: { amount: 1, intents: 1 } });
    const inFlight = (wallet?.intents ?? []).filter((i) => i.id.startsWith(`debt.collect:${userId}:`)).reduce((sum, i) => sum - i.amount, 0);
    const owed = (await debtOf(ctx, userId)) - inFlight;
    const amount = Math.min(owed, Math.max(0, wallet?.amount ?? 0));
    if (amount <= 0) return 0;
    try {
      await postEntry(ctx.db, {
        _id: `debt.collect:${userId}:${seq}`,
        kind: 'debt.collect',
        postings: [
          { account: accounts.user(userId), amount: -amount },
          { account: accounts.debt(userId), amount },
        ],
        memo: `debt collected from the wallet (${owed - amount} still owed)`,
        meta: { userId, amount, owedBefore: owed },
        createdAt: ctx.clock.now(),
      });
    } catch (error) {
      if (error instanceof InsufficientFundsError) return 0; // the wallet was spent meanwhile: the next credit collects
      throw error;
    }
    return amount;
  } finally {
    await locks(ctx).updateOne({ _id: userId, token }, { $set: { token: null, lockedUntil: new Date(0) } });
  }
}

/** Users who owe, for the admin: the debt accounts below zero, from the journal. */
export async function listDebts(ctx: ServerContext): Promise<Array<{ userId: string; owed: number }>> {
  const rows = await ctx.db.collection('journal').aggregate<{ _id: string; total: number }>([
    { $match: { 'postings.account': { $regex: '^debt:' } } },
    { $unwind: '$postings' },
    { $match: { 'postings.account': { $regex: '^debt:' } } },
    { $group: { _id: '$postings.account', total: { $sum: '$postings.amount' } } },
  ]).toArray();
  return rows.filter((r) => r.total < 0)
    .map((r) => ({ userId: r._id.slice('debt:'.length), owed: -r.total }))
    .sort((a, b) => b.owed - a.owed || (a.userId < b.userId ? -1 : 1));
}
