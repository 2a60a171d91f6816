import type Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { JOURNAL, periodEnd, periodStart, type JournalEntry } from '../money/index.js';
import { stripeClient } from '../stripe/client.js';
import { compareRecords, type ReconciliationRow, type ResolvedTransaction } from './compare.js';

export interface Reconciliation {
  period: string;
  from: string;
  to: string;
  currency: string;
  rows: ReconciliationRow[];
  /** Rows that are neither matched nor `not_journaled`. */
  differences: number;
  totals: { stripeNet: number; stripeFees: number; journal: number };
}

/** Journal kinds that record money moving through Stripe. */
const STRIPE_KINDS = ['deposit', 'refund', 'dispute', 'refund.failed', 'dispute.won', 'payout.paid', 'payout.reversed'];

/**
 * `flattr-server stripe reconcile --period` and `GET /v1/admin/reconciliation/stripe`:
 * Stripe's balance transactions created in the month, each beside the
 * journal entry it should have (charge → `deposit:stripe:<pi>`, refund →
 * `refund:stripe:<re>`, refund failure → `refund.failed:stripe:<re>`,
 * dispute withdrawal/reinstatement → `dispute:`/`dispute.won:stripe:<dp>`,
 * transfer → the `payout.paid` entry naming it, transfer reversal →
 * `payout.reversed:<trr>`), and the journal's Stripe entries of the month
 * that no transaction names. Read-only.
 */
export async function reconcileStripe(ctx: ServerContext, period: string): Promise<Reconciliation> {
  const from = periodStart(period);
  const to = periodEnd(period);
  const stripe = stripeClient(ctx);
  const journal = ctx.db.collection<JournalEntry>(JOURNAL);

  const transactions: ResolvedTransaction[] = [];
  const list = stripe.balanceTransactions.list({ created: { gte: Math.floor(from.getTime() / 1000), lt: Math.floor(to.getTime() / 1000) }, limit: 100, expand: ['data.source'] });
  for await (const transaction of list) transactions.push({ transaction, entryId: await entryIdOf(ctx, stripe, transaction) });

  const entriesInWindow = await journal.find({ kind: { $in: STRIPE_KINDS }, createdAt: { $gte: from, $lt: to } }, { projection: { postings: 1, createdAt: 1, kind: 1, meta: 1 } }).toArray();
  const stripeEntries = entriesInWindow.filter(isStripeEntry);
  const wanted = [...new Set(transactions.map((t) => t.entryId).filter((id): id is string => id !== null))];
  const entriesById = new Map<string, JournalEntry>();
  for (let i = 0; i < wanted.length; i += 500) {
    for await (const entry of journal.find({ _id: { $in: wanted.slice(i, i + 500) } }, { projection: { postings: 1, createdAt: 1 } })) entriesById.set(entry._id, entry);
  }
  const rows = compareRecords(transactions, entriesById, stripeEntries);
  return {
    period,
    from: from.toISOString(),
    to: to.toISOString(),
    currency: ctx.config.currency,
    rows,
    differences: rows.filter((r) => r.status !== 'matched' && r.status !== 'not_journaled').length,
    totals: {
      stripeNet: transactions.reduce((s, t) => s + t.transaction.amount - t.transaction.fee, 0),
      stripeFees: transactions.reduce((s, t) => s + t.transaction.fee, 0),
      journal: stripeEntries.reduce((s, e) => s + -(e.postings.find((p) => p.account.startsWith('external:'))?.amount ?? 0), 0),
    },
  };
}

function isStripeEntry(entry: JournalEntry): boolean {
  if (entry.kind === 'payout.paid') return entry.meta?.method === 'stripe';
  if (entry.kind === 'payout.reversed') return true;
  return entry.meta?.provider === 'stripe';
}

/** The journal id a balance transaction should have (see reconcileStripe), or null for Stripe's own movements. */
async function entryIdOf(ctx: ServerContext, stripe: Stripe, transaction: Stripe.BalanceTransaction): Promise<string | null> {
  const source = transaction.source;
  const sourceId = typeof source === 'string' ? source : source?.id ?? null;
  if (!sourceId) return null;
  switch (transaction.type) {
    case 'charge':
    case 'payment': {
      const charge = typeof source === 'string' ? await stripe.charges.retrieve(sourceId) : (source as Stripe.Charge);
      const pi = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
      return pi ? `deposit:stripe:${pi}` : null;
    }
    case 'refund':
    case 'payment_refund':
      return `refund:stripe:${sourceId}`;
    case 'refund_failure':
    case 'payment_failure_refund':
      return `refund.failed:stripe:${sourceId}`;
    case 'adjustment':
      if (!sourceId.startsWith('dp_') && !sourceId.startsWith('du_')) return null;
      return `${transaction.amount < 0 ? 'dispute' : 'dispute.won'}:stripe:${sourceId}`;
    case 'transfer': {
      const entry = await ctx.db.collection<JournalEntry>(JOURNAL).findOne({ kind: 'payout.paid', 'meta.reference': sourceId }, { projection: { _id: 1 } });
      return entry?._id ?? `payout.paid:(transfer ${sourceId})`;
    }
    case 'transfer_refund':
      return `payout.reversed:${sourceId}`;
    default:
      return null;
  }
}
