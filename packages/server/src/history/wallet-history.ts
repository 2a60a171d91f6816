import type { ServerContext } from '../context.js';
import { decodeShares, type Share } from '../distribution/compute-shares.js';
import { accounts, JOURNAL, type JournalEntry } from '../money/index.js';
import { ESCROW, releaseDeadline, type EscrowView } from '../sites/index.js';

/** One change of a user's wallet, as the journal records it. */
export interface WalletMovement {
  entryId: string;
  kind: 'deposit' | 'contribution' | 'earning' | 'escrow.return' | 'escrow.release' | 'payout' | 'other';
  /** The month the money was given for (distribution and escrow entries), else null. */
  period: string | null;
  /** Signed, as posted to the wallet: positive came in, negative went out. */
  amount: number;
  createdAt: Date;
  /** Deposits: the provider, and whether it was play money (demo top-up). */
  provider?: string;
  demo?: boolean;
}

export interface ContributedShare extends Share {
  /** For a share held for an unverified owner: where its escrow stands, and when it returns if nobody claims it. */
  escrow?: { state: EscrowView['state']; returnsOn: Date };
}

/** What a reader gave in one distributed month and where it went. */
export interface ContributionMonth {
  period: string;
  contribution: number;
  fees: number;
  shares: ContributedShare[];
}

export interface WalletHistory {
  /** Distributed months in which the user contributed, newest first. */
  months: ContributionMonth[];
  /** Every movement of the wallet, newest first. */
  movements: WalletMovement[];
}

/**
 * A user's wallet read back from the journal, the source of truth (through
 * its index on `postings.account`): the movements in and out, and for each
 * month the reader contributed, the shares of their `dist:` entry (decoded
 * with the distribution's own `decodeShares`) with the state of the escrow
 * the unowned ones went to.
 */
export async function walletHistory(ctx: ServerContext, userId: string): Promise<WalletHistory> {
  const wallet = accounts.user(userId);
  const entries = await ctx.db.collection<JournalEntry>(JOURNAL)
    .find({ 'postings.account': wallet }, { projection: { kind: 1, period: 1, postings: 1, meta: 1, createdAt: 1 } })
    .toArray();
  const movements: WalletMovement[] = [];
  const months: ContributionMonth[] = [];
  for (const entry of entries) {
    const amount = entry.postings.find((p) => p.account === wallet)?.amount ?? 0;
    const meta = entry.meta ?? {};
    const movement: WalletMovement = { entryId: entry._id, kind: 'other', period: entry.period ?? null, amount, createdAt: entry.createdAt };
    switch (entry.kind) {
      case 'deposit':
        Object.assign(movement, { kind: 'deposit', provider: String(meta.provider ?? ''), demo: meta.demo === true });
        break;
      case 'distribution': {
        const asReader = String(meta.readerId) === userId;
        movement.kind = asReader ? 'contribution' : 'earning';
        if (asReader) {
          const shares = decodeShares(meta.shares ?? []);
          months.push({ period: entry.period!, contribution: Number(meta.contribution), fees: shares.reduce((s, x) => s + x.fee, 0), shares });
        }
        break;
      }
      case 'escrow.return':
      case 'escrow.release':
        movement.kind = entry.kind;
        movement.period = entry.period ?? (meta.period ? String(meta.period) : null);
        break;
      case 'payout.request':
        movement.kind = 'payout';
        break;
    }
    movements.push(movement);
  }
  await attachEscrow(ctx, userId, months);
  movements.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.entryId < b.entryId ? 1 : -1));
  months.sort((a, b) => (a.period < b.period ? 1 : -1));
  return { months, movements };
}

async function attachEscrow(ctx: ServerContext, readerId: string, months: ContributionMonth[]): Promise<void> {
  const ids = months.flatMap((m) => m.shares.filter((s) => s.ownerId === null).map((s) => `${m.period}:${readerId}:${s.thingId}`));
  if (ids.length === 0) return;
  const docs = new Map((await ctx.db.collection<EscrowView>(ESCROW).find({ _id: { $in: ids } }, { projection: { state: 1 } }).toArray())
    .map((d) => [d._id, d.state]));
  for (const month of months) {
    for (const share of month.shares) {
      if (share.ownerId !== null) continue;
      const state = docs.get(`${month.period}:${readerId}:${share.thingId}`);
      if (state) (share as ContributedShare).escrow = { state, returnsOn: releaseDeadline(month.period, ctx.config.unclaimedMonths) };
    }
  }
}
