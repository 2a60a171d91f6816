import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { DISTRIBUTIONS } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, UnprocessableError } from '../errors/index.js';
import { accounts, balanceOf, postEntry } from '../money/index.js';
import { toObjectId } from '../things/index.js';

export const PAYOUTS = 'payouts';

/**
 * `requesting` → (journal `payout.request:<id>` posted) → `requested` →
 * `paying` (an admin's reference recorded) → (journal `payout.paid:<id>`) → `paid`.
 * The in-between states exist only until the entry is written; whoever
 * finds one finishes it with the same deterministic entry id.
 */
export type StoredPayoutStatus = 'requesting' | 'requested' | 'paying' | 'paid';

export interface PayoutDoc {
  _id: ObjectId;
  userId: ObjectId;
  /** 1, 2, 3… per user; the unique (userId, seq) index serialises a user's requests. */
  seq: number;
  amount: number;
  currency: string;
  status: StoredPayoutStatus;
  requestedAt: Date;
  paidAt: Date | null;
  reference: string | null;
}

const payouts = (ctx: ServerContext) => ctx.db.collection<PayoutDoc>(PAYOUTS);

/** What the API shows: the journal entry of a `requesting` doc is as good as written, likewise for `paying`. */
export function publicStatus(status: StoredPayoutStatus): 'requested' | 'paid' {
  return status === 'requesting' || status === 'requested' ? 'requested' : 'paid';
}

/** The wallet's balance: what a payout may take at most (a negative balance counts as 0). */
export async function availableForPayout(ctx: ServerContext, userId: string): Promise<number> {
  return Math.max(0, await balanceOf(ctx.db, accounts.user(userId)));
}

/**
 * `POST /v1/me/payouts`: moves `amount` from the wallet to `payouts:pending`.
 *
 * Double requests cannot overdraw, without transactions: each request takes
 * the next sequence number of the user's payouts (unique index), reading the
 * list BEFORE the balance. Of two requests that read the same list, one
 * insert fails and that request starts over; a request that saw another's
 * doc first finishes that one's journal entry itself (idempotent), so the
 * balance it reads next already has the other payout taken out.
 */
export async function requestPayout(ctx: ServerContext, userId: string, amount: number): Promise<PayoutDoc> {
  // The distribution snapshots balances as it starts; a payout now could take money already promised to it.
  if (await ctx.db.collection(DISTRIBUTIONS).findOne({ status: 'running' }, { projection: { _id: 1 } })) {
    throw new ConflictError('A distribution is running; request the payout when it has finished', 'distribution_running');
  }
  const user = ObjectId.createFromHexString(userId);
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const mine = await payouts(ctx).find({ userId: user }).project<Pick<PayoutDoc, '_id' | 'seq' | 'status'>>({ seq: 1, status: 1 }).toArray();
    for (const unfinished of mine.filter((p) => p.status === 'requesting')) {
      const doc = await payouts(ctx).findOne({ _id: unfinished._id });
      if (doc) await finishRequest(ctx, doc);
    }
    const seq = mine.reduce((max, p) => Math.max(max, p.seq), 0) + 1;
    const available = await availableForPayout(ctx, userId);
    if (amount > available) {
      throw new UnprocessableError(`You can request at most ${available} (your balance)`, 'insufficient_funds', { available });
    }
    const doc: PayoutDoc = {
      _id: new ObjectId(), userId: user, seq, amount, currency: ctx.config.currency,
      status: 'requesting', requestedAt: ctx.clock.now(), paidAt: null, reference: null,
    };
    try {
      await payouts(ctx).insertOne(doc);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      continue; // Another request of this user got this number first: read again.
    }
    await finishRequest(ctx, doc);
    return { ...doc, status: 'requested' };
  }
  throw new ConflictError('Too many payout requests at once; try again', 'payout_conflict');
}

async function finishRequest(ctx: ServerContext, doc: PayoutDoc): Promise<void> {
  const id = doc._id.toHexString();
  await postEntry(ctx.db, {
    _id: `payout.request:${id}`,
    kind: 'payout.request',
    postings: [
      { account: accounts.user(doc.userId.toHexString()), amount: -doc.amount },
      { account: accounts.pendingPayouts, amount: doc.amount },
    ],
    memo: 'payout requested',
    meta: { payoutId: id, userId: doc.userId.toHexString() },
    createdAt: doc.requestedAt,
  });
  await payouts(ctx).updateOne({ _id: doc._id, status: 'requesting' }, { $set: { status: 'requested' } });
}

export async function listPayoutsOf(ctx: ServerContext, userId: string): Promise<PayoutDoc[]> {
  return payouts(ctx).find({ userId: ObjectId.createFromHexString(userId) }).sort({ seq: -1 }).toArray();
}

/**
 * Payouts for the admin, oldest first. Docs a crash left in between states
 * are finished first, so the list (and the CSV of payouts due) matches the journal.
 */
export async function listPayouts(ctx: ServerContext, status: 'requested' | 'paid' | 'all'): Promise<PayoutDoc[]> {
  for await (const stuck of payouts(ctx).find({ status: { $in: ['requesting', 'paying'] } })) {
    if (stuck.status === 'requesting') await finishRequest(ctx, stuck);
    else await finishPaid(ctx, stuck);
  }
  const filter = status === 'all' ? {} : { status };
  return payouts(ctx).find(filter).sort({ requestedAt: 1, _id: 1 }).toArray();
}

/**
 * `POST /v1/admin/payouts/:id/paid`: the admin sent the money (bank
 * transfer `reference`). Idempotent: the same reference again answers the
 * same payout; another reference for a paid payout is a 409.
 */
export async function markPaid(ctx: ServerContext, payoutId: string, reference: string): Promise<PayoutDoc> {
  const _id = toObjectId(payoutId);
  let doc = _id && await payouts(ctx).findOne({ _id });
  if (!doc) throw new NotFoundError(`No payout ${payoutId}`, 'payout_not_found');
  if (doc.status === 'requesting') {
    await finishRequest(ctx, doc);
    doc = { ...doc, status: 'requested' };
  }
  if (doc.status === 'requested') {
    const claimed = await payouts(ctx).findOneAndUpdate(
      { _id: doc._id, status: 'requested' },
      { $set: { status: 'paying', reference, paidAt: ctx.clock.now() } },
      { returnDocument: 'after' },
    );
    doc = claimed ?? (await payouts(ctx).findOne({ _id: doc._id }))!;
  }
  if (doc.reference !== reference) {
    throw new ConflictError(`Payout ${payoutId} was already paid with reference ${doc.reference}`, 'payout_already_paid', {
      reference: doc.reference,
    });
  }
  if (doc.status === 'paying') {
    await finishPaid(ctx, doc);
    doc = { ...doc, status: 'paid' };
  }
  return doc;
}

async function finishPaid(ctx: ServerContext, doc: PayoutDoc): Promise<void> {
  const id = doc._id.toHexString();
  await postEntry(ctx.db, {
    _id: `payout.paid:${id}`,
    kind: 'payout.paid',
    postings: [
      { account: accounts.pendingPayouts, amount: -doc.amount },
      { account: accounts.payouts, amount: doc.amount },
    ],
    memo: `payout sent, reference ${doc.reference}`,
    meta: { payoutId: id, userId: doc.userId.toHexString(), reference: doc.reference },
  });
  await payouts(ctx).updateOne({ _id: doc._id, status: 'paying' }, { $set: { status: 'paid' } });
}

export async function ensurePayoutIndexes(ctx: ServerContext): Promise<void> {
  await payouts(ctx).createIndex({ userId: 1, seq: 1 }, { unique: true, name: 'user_seq_unique' });
  await payouts(ctx).createIndex({ status: 1, requestedAt: 1 });
}
