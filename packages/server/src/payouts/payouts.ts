import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors/index.js';
import {
  accounts, balanceOf, ensureValidator, InsufficientFundsError, JOURNAL, positive, postEntry, repairBalances,
  type JournalEntry,
} from '../money/index.js';
import { toObjectId } from '../things/index.js';
import { requireVerifiedEmail } from '../auth/email-verification.js';
import { collectDebt } from '../deposits/debts.js';
import { destinationOf } from './destinations.js';

export const PAYOUTS = 'payouts';

/**
 * `requested` (journal `payout.request:<id>` took the amount out of the
 * wallet) → `paid` (journal `payout.paid:<id>`, holding the reference).
 * Through Stripe: `requested` → `transferring` (approved; the transfer is
 * being made) → `paid` (`payout.paid:<id>`, reference = the transfer id) or
 * `failed` (`payout.failed:<id>`: the money went back to the wallet).
 * A payout document exists only once its money has left the wallet.
 */
export type StoredPayoutStatus = 'requested' | 'transferring' | 'paid' | 'failed';

export interface PayoutDoc {
  _id: ObjectId;
  userId: ObjectId;
  amount: number;
  currency: string;
  status: StoredPayoutStatus;
  requestedAt: Date;
  paidAt: Date | null;
  reference: string | null;
  /** How it is paid, fixed when requested: by the admin's bank transfer, or a Stripe transfer to `stripeAccountId`. */
  method?: 'manual' | 'stripe';
  stripeAccountId?: string | null;
  /** Who settles it: the first of "marked paid by hand" and "approved for Stripe" wins (one conditional update). */
  claim?: 'manual' | 'stripe' | null;
  /** Why a Stripe transfer failed. */
  failure?: string | null;
  /** Transferred money that came back (transfer reversals), minor units. */
  reversedAmount?: number;
}

export const payouts = (ctx: Pick<ServerContext, 'db'>) => ctx.db.collection<PayoutDoc>(PAYOUTS);

/** What the API shows. */
export function publicStatus(status: StoredPayoutStatus): StoredPayoutStatus {
  return status;
}

/** What a payout may take at most: the wallet's spendable balance (money a distribution has reserved is not). */
export async function availableForPayout(ctx: ServerContext, userId: string): Promise<number> {
  return Math.max(0, await balanceOf(ctx.db, accounts.user(userId)));
}

/**
 * `POST /v1/me/payouts`: moves `amount` from the wallet to `payouts:pending`.
 *
 * One guarded update takes the money (`postEntry`: the wallet's spendable
 * amount must cover it), so simultaneous requests cannot overdraw, and a
 * running distribution's reservation cannot be paid out. The payout document
 * is written with the entry (a crash in between is finished by the repair
 * pass from what the wallet recorded). A refused request writes nothing.
 */
export async function requestPayout(ctx: ServerContext, userId: string, amount: number, options: { payoutId?: ObjectId } = {}): Promise<PayoutDoc> {
  await requireVerifiedEmail(ctx, userId);
  // Money owed for a refund or dispute is paid first: a debtor cannot take money out before.
  await collectDebt(ctx, userId);
  const destination = await destinationOf(ctx, userId);
  const viaStripe = destination.method === 'stripe' && destination.ready && destination.stripeAccountId !== null && ctx.config.stripe !== null;
  const doc: PayoutDoc = {
    _id: options.payoutId ?? new ObjectId(), userId: ObjectId.createFromHexString(userId), amount, currency: ctx.config.currency,
    status: 'requested', requestedAt: ctx.clock.now(), paidAt: null, reference: null,
    method: viaStripe ? 'stripe' : 'manual', stripeAccountId: viaStripe ? destination.stripeAccountId : null, claim: null,
  };
  const id = doc._id.toHexString();
  try {
    await postEntry(ctx.db, {
      _id: `payout.request:${id}`,
      kind: 'payout.request',
      postings: [
        { account: accounts.user(userId), amount: -amount },
        { account: accounts.pendingPayouts, amount },
      ],
      memo: 'payout requested',
      meta: { payoutId: id, userId },
      createdAt: doc.requestedAt,
    }, { records: [{ collection: PAYOUTS, doc }] });
  } catch (error) {
    if (!(error instanceof InsufficientFundsError)) throw error;
    throw new UnprocessableError(`You can request at most ${error.available} (your balance)`, 'insufficient_funds', { available: error.available });
  }
  return doc;
}

export async function listPayoutsOf(ctx: ServerContext, userId: string): Promise<PayoutDoc[]> {
  return payouts(ctx).find({ userId: ObjectId.createFromHexString(userId) }).sort({ requestedAt: -1, _id: -1 }).toArray();
}

/**
 * Payouts for the admin, oldest first. What a crash left unfinished is
 * brought level first (a request whose money left the wallet but whose entry
 * or document is not written, once its lease ran out; a payout whose
 * `payout.paid` entry exists but whose doc still says requested), so the
 * list, and the CSV of payouts due, match the journal.
 */
export async function listPayouts(ctx: ServerContext, status: StoredPayoutStatus | readonly StoredPayoutStatus[] | 'all'): Promise<PayoutDoc[]> {
  await repairBalances(ctx.db);
  const open = await payouts(ctx).find({ status: { $in: ['requested', 'transferring'] } }, { projection: { _id: 1 } }).toArray();
  for (let i = 0; i < open.length; i += 500) {
    const ids = open.slice(i, i + 500).map((p) => paidEntryId(p._id.toHexString()));
    for await (const entry of ctx.db.collection<JournalEntry>(JOURNAL).find({ _id: { $in: ids } })) await recordPaid(ctx, entry);
  }
  const filter = status === 'all' ? {} : { status: { $in: [status].flat() } };
  return payouts(ctx).find(filter).sort({ requestedAt: 1, _id: 1 }).toArray();
}

/**
 * `POST /v1/admin/payouts/:id/paid`: the admin sent the money (bank
 * transfer `reference`). The journal entry `payout.paid:<id>` is written
 * first and decides: one guarded debit of `payouts:pending` per entry id
 * and its unique `_id` mean one reference wins even when two admins mark one
 * payout at once. The same reference again answers the same payout (200);
 * another reference gets 409 `payout_already_paid`.
 */
export async function markPaid(ctx: ServerContext, payoutId: string, reference: string): Promise<PayoutDoc> {
  const _id = toObjectId(payoutId);
  const doc = _id && await payouts(ctx).findOne({ _id });
  if (!doc) throw new NotFoundError(`No payout ${payoutId}`, 'payout_not_found');
  // A payout approved for a Stripe transfer is not also paid by hand (nor the other way round).
  const claimed = await payouts(ctx).findOneAndUpdate({ _id: doc._id, claim: { $in: [null, 'manual'] } }, { $set: { claim: 'manual' } }, { returnDocument: 'before' });
  if (!claimed) throw new ConflictError(`Payout ${payoutId} is paid through Stripe`, 'payout_via_stripe');
  await postEntry(ctx.db, {
    _id: paidEntryId(payoutId),
    kind: 'payout.paid',
    postings: [
      { account: accounts.pendingPayouts, amount: -doc.amount },
      { account: accounts.payouts, amount: doc.amount },
    ],
    memo: `payout sent, reference ${reference}`,
    meta: { payoutId, userId: doc.userId.toHexString(), reference },
    createdAt: ctx.clock.now(),
  });
  const paid = await recordPaid(ctx, await paidEntry(ctx, payoutId));
  if (paid.reference !== reference) {
    throw new ConflictError(`Payout ${payoutId} was already paid with reference ${paid.reference}`, 'payout_already_paid', {
      reference: paid.reference,
    });
  }
  return paid;
}

/** Copies what the `payout.paid` entry records onto the payout doc. */
export async function recordPaid(ctx: ServerContext, entry: JournalEntry): Promise<PayoutDoc> {
  const _id = ObjectId.createFromHexString(String(entry.meta!.payoutId));
  const paid = { status: 'paid' as const, reference: String(entry.meta!.reference), paidAt: entry.createdAt };
  await payouts(ctx).updateOne({ _id }, { $set: paid });
  return { ...(await payouts(ctx).findOne({ _id }))!, ...paid };
}

/**
 * The `payout.paid` entry of a payout. A concurrent call marking the same
 * payout may have taken the money but not yet written the entry: wait for it
 * (it is that call's next step), a few seconds at most.
 */
async function paidEntry(ctx: ServerContext, payoutId: string): Promise<JournalEntry> {
  for (let wait = 1; wait < 5000; wait *= 2) {
    const entry = await ctx.db.collection<JournalEntry>(JOURNAL).findOne({ _id: paidEntryId(payoutId) });
    if (entry) return entry;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  throw new ConflictError(`Payout ${payoutId} is being marked paid by another request; try again`, 'payout_conflict');
}

export function paidEntryId(payoutId: string): string {
  return `payout.paid:${payoutId}`;
}

export async function ensurePayoutIndexes(ctx: ServerContext): Promise<void> {
  await ensureValidator(ctx.db, PAYOUTS, {
    bsonType: 'object',
    required: ['_id', 'userId', 'amount', 'currency', 'status', 'requestedAt'],
    properties: {
      userId: { bsonType: 'objectId' },
      amount: positive,
      currency: { bsonType: 'string' },
      status: { enum: ['requested', 'transferring', 'paid', 'failed'] },
      requestedAt: { bsonType: 'date' },
    },
  });
  // Payout numbers per user (user_seq_unique) were how requests were serialised before guarded debits.
  await payouts(ctx).dropIndex('user_seq_unique').catch(() => {});
  await payouts(ctx).createIndex({ userId: 1, requestedAt: -1 });
  await payouts(ctx).createIndex({ status: 1, requestedAt: 1 });
}
