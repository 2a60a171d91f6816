import { ObjectId } from 'mongodb';
import Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { AppError, ConflictError, NotFoundError } from '../errors/index.js';
import { recipientOf, sendMail, trackBackground, type MailContent } from '../mail/index.js';
import { accounts, JOURNAL, postEntry, type JournalEntry } from '../money/index.js';
import { stripeClient } from '../stripe/client.js';
import { paidEntryId, payouts, recordPaid, type PayoutDoc } from './payouts.js';

/** The Stripe objects of one payout carry its id here, so a webhook finds the payout. */
export const PAYOUT_METADATA_KEY = 'flattrPayoutId';
const transferGroup = (payoutId: string) => `payout:${payoutId}`;

/**
 * `POST /v1/admin/payouts/:id/approve` (and automatic payouts): pays a
 * Stripe payout with a transfer to the creator's Express account.
 *
 * 1. Claim: one conditional update moves the payout to `transferring` and
 *    marks it Stripe's (`markPaid` by hand can no longer take it).
 * 2. The transfer: a transfer of this payout made before (a crash, an
 *    approval clicked twice) is found by its `transfer_group` and used; else
 *    one is created with the idempotency key `payout:<id>` (Stripe answers a
 *    repeat within 24 h with the same transfer).
 * 3. Its outcome into the journal: `payout.paid:<id>` (reference = the
 *    transfer id), the same entry `transfer.created` writes when the webhook
 *    comes first. Stripe refusing the transfer (an invalid request, an
 *    account that cannot receive transfers, too little platform balance)
 *    fails the payout: `payout.failed:<id>` gives the money back to the
 *    wallet. Stripe not answering leaves it `transferring` (502): approve
 *    again.
 */
export async function approvePayout(ctx: ServerContext, payoutId: string): Promise<PayoutDoc> {
  const _id = ObjectId.isValid(payoutId) && /^[0-9a-f]{24}$/i.test(payoutId) ? new ObjectId(payoutId) : null;
  const doc = _id && await payouts(ctx).findOne({ _id });
  if (!doc) throw new NotFoundError(`No payout ${payoutId}`, 'payout_not_found');
  if (doc.method !== 'stripe' || !doc.stripeAccountId) {
    throw new ConflictError(`Payout ${payoutId} is paid by hand: mark it paid with the bank transfer's reference`, 'payout_manual');
  }
  if (doc.status === 'paid' || doc.status === 'failed') return doc;
  const claimed = await payouts(ctx).findOneAndUpdate(
    { _id, status: { $in: ['requested', 'transferring'] }, claim: { $in: [null, 'stripe'] } },
    { $set: { status: 'transferring', claim: 'stripe' } },
    { returnDocument: 'before' },
  );
  if (!claimed) {
    const now = (await payouts(ctx).findOne({ _id }))!;
    if (now.claim === 'manual') throw new ConflictError(`Payout ${payoutId} is being paid by hand`, 'payout_manual');
    return now;
  }
  const stripe = stripeClient(ctx);
  let transfer: Stripe.Transfer | undefined;
  try {
    for await (const earlier of stripe.transfers.list({ transfer_group: transferGroup(payoutId), limit: 100 })) {
      if (earlier.transfer_group === transferGroup(payoutId) && earlier.metadata?.[PAYOUT_METADATA_KEY] === payoutId) transfer = earlier;
    }
    transfer ??= await stripe.transfers.create({
      amount: doc.amount,
      currency: doc.currency.toLowerCase(),
      destination: doc.stripeAccountId,
      transfer_group: transferGroup(payoutId),
      description: `Flattr payout ${payoutId}`,
      metadata: { [PAYOUT_METADATA_KEY]: payoutId },
    }, { idempotencyKey: transferGroup(payoutId) });
  } catch (error) {
    if (isDefinitiveRefusal(error)) return failPayout(ctx, doc, `${(error as Stripe.errors.StripeError).code ?? (error as Error).name}: ${(error as Error).message}`);
    throw new AppError(502, 'stripe_unavailable', `Stripe did not answer the transfer of payout ${payoutId}; approve it again (${(error as Error).message})`);
  }
  return recordTransferPaid(ctx, payoutId, transfer);
}

/**
 * A transfer exists for the payout (the API's answer, or `transfer.created`):
 * `payout.paid:<id>` (payouts:pending → external:payouts). Not for a payout
 * whose failure was decided first (events out of order): its money is back
 * in the wallet already.
 */
export async function recordTransferPaid(ctx: ServerContext, payoutId: string, transfer: Pick<Stripe.Transfer, 'id' | 'amount'>): Promise<PayoutDoc> {
  const _id = new ObjectId(payoutId);
  const doc = await payouts(ctx).findOne({ _id });
  if (!doc) throw new NotFoundError(`No payout ${payoutId}`, 'payout_not_found');
  if (transfer.amount !== doc.amount) throw new ConflictError(`Transfer ${transfer.id} is for ${transfer.amount}, payout ${payoutId} for ${doc.amount}`, 'transfer_amount_mismatch');
  const decided = await payouts(ctx).findOneAndUpdate(
    { _id, status: { $in: ['requested', 'transferring', 'paid'] } },
    { $set: { status: 'paid', claim: 'stripe', reference: transfer.id } },
    { returnDocument: 'before' },
  );
  if (!decided) return doc; // failed first
  const created = await postEntry(ctx.db, {
    _id: paidEntryId(payoutId),
    kind: 'payout.paid',
    postings: [
      { account: accounts.pendingPayouts, amount: -doc.amount },
      { account: accounts.payouts, amount: doc.amount },
    ],
    memo: `payout sent by Stripe transfer ${transfer.id}`,
    meta: { payoutId, userId: doc.userId.toHexString(), reference: transfer.id, method: 'stripe' },
    createdAt: ctx.clock.now(),
  });
  const entry = (await ctx.db.collection<JournalEntry>(JOURNAL).findOne({ _id: paidEntryId(payoutId) }))!;
  const paid = await recordPaid(ctx, entry);
  if (created) notify(ctx, `payout.paid:${payoutId}`, doc, { kind: 'payout.paid', name: '', amount: doc.amount, reference: transfer.id });
  return paid;
}

/** The transfer could not be made: `payout.failed:<id>` gives the money back to the wallet (unless the payout was paid first). */
export async function failPayout(ctx: ServerContext, doc: PayoutDoc, reason: string): Promise<PayoutDoc> {
  const payoutId = doc._id.toHexString();
  const decided = await payouts(ctx).findOneAndUpdate(
    { _id: doc._id, status: { $in: ['requested', 'transferring', 'failed'] } },
    { $set: { status: 'failed', claim: 'stripe', failure: reason.slice(0, 300) } },
    { returnDocument: 'before' },
  );
  if (!decided) return (await payouts(ctx).findOne({ _id: doc._id }))!; // paid first: a later failure is a reversal (recordTransferReversal)
  const created = await postEntry(ctx.db, {
    _id: `payout.failed:${payoutId}`,
    kind: 'payout.failed',
    postings: [
      { account: accounts.pendingPayouts, amount: -doc.amount },
      { account: accounts.user(doc.userId.toHexString()), amount: doc.amount },
    ],
    memo: `payout failed: ${reason.slice(0, 200)}`,
    meta: { payoutId, userId: doc.userId.toHexString(), reason: reason.slice(0, 300) },
    createdAt: ctx.clock.now(),
  });
  if (created) notify(ctx, `payout.failed:${payoutId}`, doc, { kind: 'payout.failed', name: '', amount: doc.amount, reason: reason.split(':')[0]! });
  return (await payouts(ctx).findOne({ _id: doc._id }))!;
}

/**
 * Money of a paid transfer came back (`transfer.reversed`, one entry per
 * reversal `trr_…`; or a transfer reported failed after it was recorded
 * paid): `payout.reversed:<id>` external:payouts → the creator's wallet. The
 * transfer's payment is recorded first if it never was (events out of order).
 */
export async function recordTransferReversal(
  ctx: ServerContext,
  payoutId: string,
  transfer: Pick<Stripe.Transfer, 'id' | 'amount'>,
  reversal: { id: string; amount: number },
): Promise<boolean> {
  const doc = await recordTransferPaid(ctx, payoutId, transfer);
  if (doc.status !== 'paid') return false;
  const created = await postEntry(ctx.db, {
    _id: `payout.reversed:${reversal.id}`,
    kind: 'payout.reversed',
    postings: [
      { account: accounts.payouts, amount: -reversal.amount },
      { account: accounts.user(doc.userId.toHexString()), amount: reversal.amount },
    ],
    memo: `Stripe transfer ${transfer.id} reversed (${reversal.id})`,
    meta: { payoutId, userId: doc.userId.toHexString(), transferId: transfer.id, reversalId: reversal.id, amount: reversal.amount },
    createdAt: ctx.clock.now(),
  });
  let reversed = 0;
  for await (const entry of ctx.db.collection<JournalEntry>(JOURNAL).find({ kind: 'payout.reversed', 'meta.payoutId': payoutId }, { projection: { meta: 1 } })) {
    reversed += Number(entry.meta!.amount);
  }
  await payouts(ctx).updateOne({ _id: doc._id }, { $set: { reversedAmount: reversed } });
  if (created) notify(ctx, `payout.reversed:${reversal.id}`, doc, { kind: 'payout.reversed', name: '', amount: reversal.amount, reference: transfer.id });
  return created;
}

/** A 4xx from Stripe is its final word on this request; anything else (network, 5xx, rate limit) may work when tried again. */
function isDefinitiveRefusal(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError
    && (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripePermissionError)
    && (error.statusCode ?? 0) >= 400 && (error.statusCode ?? 0) < 500;
}

/** The payout notice to the creator, once per key. */
function notify(ctx: ServerContext, key: string, doc: PayoutDoc, content: MailContent): void {
  trackBackground(ctx, (async () => {
    const to = await recipientOf(ctx, doc.userId);
    if (to) await sendMail(ctx, { key, to: to.to, userId: doc.userId.toHexString(), language: to.language, content: { ...content, name: to.name } });
  })().catch((error) => ctx.log.error(`mail: ${key} could not be sent`, error)));
}
