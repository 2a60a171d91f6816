import type { ServerContext } from '../context.js';
import { AppError, ConflictError } from '../errors/index.js';
import { accounts, balanceOf, InsufficientFundsError, JOURNAL, postEntry, type JournalEntry, type Posting } from '../money/index.js';
import { collectDebt } from './debts.js';
import type { DepositReinstatement, DepositReversal, PaymentProvider } from './provider.js';

/** The deposit a reversal refers to is not in the journal (yet): the provider should deliver the event again later. */
export class DepositNotFoundError extends AppError {
  constructor(reference: string) {
    super(503, 'deposit_not_recorded', `No deposit ${reference} in the journal yet; deliver the event again later`);
  }
}

export function reversalEntryId(provider: PaymentProvider, reversal: Pick<DepositReversal, 'kind' | 'reference'>): string {
  return `${reversal.kind}:${provider.name}:${reversal.reference}`;
}

/**
 * A refund or a dispute takes a deposit's money back from the reader: one
 * journal entry `<refund|dispute>:<provider>:<reference>` (written once,
 * however often the event comes):
 *
 *   external:deposits +a, user:<reader> −w, debt:<reader> −(a − w)
 *
 * where w is what the wallet can give (its spendable amount, taken by the
 * entry's guarded debit). The wallet is never taken below zero and the
 * amount is never cut: what the wallet lacks, because the reader's money was
 * already distributed to creators or paid out, becomes the reader's debt
 * (an account that may go negative), shown to the admin and collected from
 * the next money that comes in. Creators keep what they were given, so no
 * distributed money leaves the ledger.
 *
 * Refused (409 `reversal_exceeds_deposit`, nothing written): more reversed
 * than the deposit held.
 */
export async function recordReversal(ctx: ServerContext, provider: PaymentProvider, reversal: DepositReversal): Promise<{ entry: JournalEntry; created: boolean }> {
  assertAmount(ctx, reversal.amount, reversal.currency);
  const journal = ctx.db.collection<JournalEntry>(JOURNAL);
  const entryId = reversalEntryId(provider, reversal);
  const existing = await journal.findOne({ _id: entryId });
  if (existing) {
    assertSameReversal(existing, reversal.amount);
    await postEntry(ctx.db, existing); // finishes an interrupted writer's entry; a no-op once applied
    return { entry: existing, created: false };
  }
  const deposit = await depositOf(ctx, provider, reversal.depositReference);
  const userId = String(deposit.meta!.userId);
  const depositAmount = deposit.postings.find((p) => p.account === accounts.user(userId))!.amount;
  const reversedSoFar = await reversedAmount(ctx, deposit._id);
  if (reversedSoFar + reversal.amount > depositAmount) {
    throw new ConflictError(`${entryId}: ${reversedSoFar} of the deposit's ${depositAmount} reversed already; ${reversal.amount} more is impossible`, 'reversal_exceeds_deposit');
  }

  // The wallet gives what it has; a payout or distribution taking money meanwhile fails the guard: read again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const spendable = Math.max(0, await balanceOf(ctx.db, accounts.user(userId)));
    const fromWallet = Math.min(spendable, reversal.amount);
    const postings: Posting[] = [{ account: accounts.deposits, amount: reversal.amount }];
    if (fromWallet > 0) postings.push({ account: accounts.user(userId), amount: -fromWallet });
    if (reversal.amount - fromWallet > 0) postings.push({ account: accounts.debt(userId), amount: -(reversal.amount - fromWallet) });
    const entry = {
      _id: entryId,
      kind: reversal.kind,
      postings,
      memo: `${provider.name} ${reversal.kind} of ${deposit._id}${fromWallet < reversal.amount ? `: ${reversal.amount - fromWallet} owed by the reader` : ''}`,
      meta: {
        provider: provider.name, reference: reversal.reference, depositEntryId: deposit._id, depositReference: reversal.depositReference,
        userId, amount: reversal.amount, fromWallet, toDebt: reversal.amount - fromWallet,
      },
      createdAt: ctx.clock.now(),
    };
    try {
      const created = await postEntry(ctx.db, entry);
      const stored = created ? null : await journal.findOne({ _id: entryId });
      if (stored) assertSameReversal(stored, reversal.amount);
      return { entry: stored ?? ({ ...entry, state: 'applied' } as JournalEntry), created };
    } catch (error) {
      if (error instanceof InsufficientFundsError) continue;
      // A concurrent delivery of the same event wrote it first, with another split of wallet and debt.
      const winner = await journal.findOne({ _id: entryId });
      if (winner) {
        assertSameReversal(winner, reversal.amount);
        return { entry: winner, created: false };
      }
      throw error;
    }
  }
  throw new AppError(503, 'wallet_busy', `The wallet of ${userId} kept changing; deliver the event again`);
}

/**
 * A refund that failed, or a dispute the operator won: the money is back with
 * the operator, and goes back to the reader's wallet
 * (`<refund.failed|dispute.won>:<provider>:<reference>`: external:deposits −a,
 * user:<reader> +a), after which any debt is collected from it. Its reversal
 * is recorded first if it never was (events out of order), so the two always
 * come as a pair.
 */
export async function recordReinstatement(ctx: ServerContext, provider: PaymentProvider, reinstatement: DepositReinstatement): Promise<{ created: boolean }> {
  assertAmount(ctx, reinstatement.amount, reinstatement.currency);
  const reversalKind = reinstatement.kind === 'refund.failed' ? 'refund' : 'dispute';
  const { entry: reversal } = await recordReversal(ctx, provider, {
    kind: reversalKind, reference: reinstatement.reference, depositReference: reinstatement.depositReference,
    amount: reinstatement.amount, currency: reinstatement.currency,
  });
  const userId = String(reversal.meta!.userId);
  const amount = Number(reversal.meta!.amount);
  const created = await postEntry(ctx.db, {
    _id: `${reinstatement.kind}:${provider.name}:${reinstatement.reference}`,
    kind: reinstatement.kind,
    postings: [
      { account: accounts.deposits, amount: -amount },
      { account: accounts.user(userId), amount },
    ],
    memo: `${provider.name} ${reinstatement.kind}: ${reversal._id} undone`,
    meta: { provider: provider.name, reference: reinstatement.reference, reversalEntryId: reversal._id, depositEntryId: reversal.meta!.depositEntryId, userId, amount },
    createdAt: ctx.clock.now(),
  });
  await collectDebt(ctx, userId);
  return { created };
}

/** The deposit entry of a provider's payment reference, or 503 `deposit_not_recorded` (a retry will find it). */
export async function depositOf(ctx: ServerContext, provider: PaymentProvider, reference: string): Promise<JournalEntry> {
  const deposit = await ctx.db.collection<JournalEntry>(JOURNAL).findOne({ _id: `deposit:${provider.name}:${reference}` });
  if (!deposit) throw new DepositNotFoundError(`deposit:${provider.name}:${reference}`);
  return deposit;
}

/** Σ reversals − Σ reinstatements recorded against one deposit. */
async function reversedAmount(ctx: ServerContext, depositEntryId: string): Promise<number> {
  let total = 0;
  for await (const entry of ctx.db.collection<JournalEntry>(JOURNAL).find({ 'meta.depositEntryId': depositEntryId }, { projection: { kind: 1, meta: 1 } })) {
    if (entry.kind === 'refund' || entry.kind === 'dispute') total += Number(entry.meta!.amount);
    if (entry.kind === 'refund.failed' || entry.kind === 'dispute.won') total -= Number(entry.meta!.amount);
  }
  return total;
}

function assertSameReversal(entry: JournalEntry, amount: number): void {
  if (Number(entry.meta?.amount) !== amount) {
    throw new ConflictError(`${entry._id} recorded ${String(entry.meta?.amount)}, not ${amount}`, 'reversal_conflict');
  }
}

function assertAmount(ctx: ServerContext, amount: number, currency: string | undefined): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new AppError(400, 'validation_failed', `amount must be a positive whole number of minor units, not ${amount}`);
  if (currency !== undefined && currency !== ctx.config.currency) {
    throw new AppError(422, 'currency_mismatch', `This service keeps ${ctx.config.currency}, not ${currency}`);
  }
}

