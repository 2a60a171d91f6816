import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import { accounts, JOURNAL, postEntry, type JournalEntry } from '../money/index.js';
import { toObjectId } from '../things/index.js';
import type { ConfirmedDeposit, PaymentProvider } from './provider.js';
import { collectDebt } from './debts.js';

/** A guard against typos in hand-entered amounts (10 million units of the currency). */
export const MAX_DEPOSIT = 10_000_000_00;
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

export interface Deposit {
  entryId: string;
  provider: string;
  reference: string;
  userId: string;
  amount: number;
  currency: string;
  demo: boolean;
  createdAt: string;
}

/**
 * Credits a confirmed payment: one journal entry `deposit:<provider>:<reference>`
 * moving `amount` from `external:deposits` to the user's account.
 *
 * The same reference again (a retried request, a webhook delivered twice)
 * answers the first deposit and credits nothing; the same reference for a
 * different user or amount is refused with 409 `deposit_reference_conflict`.
 */
export async function recordDeposit(ctx: ServerContext, provider: PaymentProvider, deposit: ConfirmedDeposit): Promise<{ deposit: Deposit; created: boolean }> {
  if (!provider.isEnabled(ctx.config)) throw new AppError(403, 'provider_disabled', `The ${provider.name} payment provider is not enabled`);
  if (!Number.isSafeInteger(deposit.amount) || deposit.amount <= 0 || deposit.amount > MAX_DEPOSIT) {
    throw new ValidationError(`amount must be a whole number of minor units between 1 and ${MAX_DEPOSIT}`);
  }
  if (deposit.currency !== undefined && deposit.currency !== ctx.config.currency) {
    throw new AppError(422, 'currency_mismatch', `This service keeps ${ctx.config.currency}, not ${deposit.currency}`);
  }
  if (!REFERENCE_PATTERN.test(deposit.reference)) {
    throw new ValidationError('reference must be 1–200 characters: letters, digits and . _ : @ -');
  }
  const user = toObjectId(deposit.userId);
  if (!user || !(await collections.users(ctx.db).findOne({ _id: user }, { projection: { _id: 1 } }))) {
    throw new NotFoundError(`No user with id ${deposit.userId}`, 'user_not_found');
  }

  const entryId = `deposit:${provider.name}:${deposit.reference}`;
  const journal = ctx.db.collection<JournalEntry>(JOURNAL);
  const earlier = await journal.findOne({ _id: entryId });
  if (earlier) {
    assertSameDeposit(earlier, deposit);
    // Completes an entry an interrupted writer left pending; a no-op once applied.
    await postEntry(ctx.db, earlier);
    return { deposit: toDeposit(earlier, ctx.config.currency), created: false };
  }
  const entry = {
    _id: entryId,
    kind: 'deposit',
    postings: [
      { account: accounts.deposits, amount: -deposit.amount },
      { account: accounts.user(deposit.userId), amount: deposit.amount },
    ],
    memo: deposit.memo ?? (provider.demo ? 'DEMO top-up: play money' : `${provider.name} deposit`),
    meta: { provider: provider.name, reference: deposit.reference, userId: deposit.userId, demo: provider.demo },
    createdAt: ctx.clock.now(),
  };
  let created: boolean;
  try {
    created = await postEntry(ctx.db, entry);
  } catch (error) {
    // A concurrent request wrote this reference with other postings first.
    const winner = await journal.findOne({ _id: entryId });
    if (!winner) throw error;
    assertSameDeposit(winner, deposit);
    throw error;
  }
  const stored = created ? null : await journal.findOne({ _id: entryId });
  if (stored) assertSameDeposit(stored, deposit);
  // A reader who owes (a refund or dispute took more than the wallet held) pays it from this money first.
  await collectDebt(ctx, deposit.userId);
  return { deposit: toDeposit(stored ?? entry, ctx.config.currency), created };
}

function assertSameDeposit(entry: JournalEntry, deposit: ConfirmedDeposit): void {
  const credited = entry.postings.find((p) => p.account.startsWith('user:'));
  if (entry.kind !== 'deposit' || credited?.account !== accounts.user(deposit.userId) || credited.amount !== deposit.amount) {
    throw new ConflictError(
      `Reference ${deposit.reference} already credited ${credited?.amount ?? '?'} to another account or amount`,
      'deposit_reference_conflict',
      { entryId: entry._id },
    );
  }
}

function toDeposit(entry: Pick<JournalEntry, '_id' | 'postings' | 'meta' | 'createdAt'>, currency: string): Deposit {
  const credited = entry.postings.find((p) => p.account.startsWith('user:'))!;
  const meta = entry.meta ?? {};
  return {
    entryId: entry._id,
    provider: String(meta.provider),
    reference: String(meta.reference),
    userId: credited.account.slice('user:'.length),
    amount: credited.amount,
    currency,
    demo: meta.demo === true,
    createdAt: entry.createdAt.toISOString(),
  };
}
