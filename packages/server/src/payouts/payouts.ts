import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { DISTRIBUTIONS } from '../db/index.js';
import { ConflictError, isDuplicateKeyError, NotFoundError, UnprocessableError } from '../errors/index.js';
import { accounts, balanceOf, JOURNAL, postEntry, type JournalEntry } from '../money/index.js';
import { toObjectId } from '../things/index.js';

export const PAYOUTS = 'payouts';

/**
 * `requesting` → (journal `payout.request:<id>` posted) → `requested` →
 * (journal `payout.paid:<id>`, holding the reference) → `paid`.
 * `requesting` lasts only until the entry is written; whoever finds one
 * finishes it with the same deterministic entry id.
 */
export type StoredPayoutStatus = 'requesting' | 'requested' | 'paid';

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

/** What the API shows: the journal entry of a `requesting` doc is as good as written (whoever comes next writes it). */
export function publicStatus(status: StoredPayoutStatus): 'requested' | 'paid' {
  return status === 'paid' ? 'paid' : 'requested';
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
 * Payouts for the admin, oldest first. Docs a crash left behind their
 * journal are brought level first (a request whose entry is not written
 * yet, a payout whose `payout.paid` entry exists but whose doc still says
 * requested), so the list, and the CSV of payouts due, match the journal.
 */
export async function listPayouts(ctx: ServerContext, status: 'requested' | 'paid' | 'all'): Promise<PayoutDoc[]> {
  for await (const stuck of payouts(ctx).find({ status: 'requesting' })) await finishRequest(ctx, stuck);
  const open = await payouts(ctx).find({ status: 'requested' }, { projection: { _id: 1 } }).toArray();
  for (let i = 0; i < open.length; i += 500) {
    const ids = open.slice(i, i + 500).map((p) => paidEntryId(p._id.toHexString()));
    for await (const entry of ctx.db.collection<JournalEntry>(JOURNAL).find({ _id: { $in: ids } })) await recordPaid(ctx, entry);
  }
  const filter = status === 'all' ? {} : { status };
  return payouts(ctx).find(filter).sort({ requestedAt: 1, _id: 1 }).toArray();
}

/**
 * `POST /v1/admin/payouts/:id/paid`: the admin sent the money (bank
 * transfer `reference`). The journal entry `payout.paid:<id>` is written
 * first and decides: its unique id means one reference wins even when two
 * admins mark one payout at once (a conditional update would not decide it
 * on FerretDB). The same reference again answers the same payout (200);
 * another reference gets 409 `payout_already_paid`.
 */
export async function markPaid(ctx: ServerContext, payoutId: string, reference: string): Promise<PayoutDoc> {
  const _id = toObjectId(payoutId);
  const doc = _id && await payouts(ctx).findOne({ _id });
  if (!doc) throw new NotFoundError(`No payout ${payoutId}`, 'payout_not_found');
  // The money must be in payouts:pending before it leaves it.
  if (doc.status === 'requesting') await finishRequest(ctx, doc);
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
  const entry = (await ctx.db.collection<JournalEntry>(JOURNAL).findOne({ _id: paidEntryId(payoutId) }))!;
  const paid = await recordPaid(ctx, entry);
  if (paid.reference !== reference) {
    throw new ConflictError(`Payout ${payoutId} was already paid with reference ${paid.reference}`, 'payout_already_paid', {
      reference: paid.reference,
    });
  }
  return paid;
}

/** Copies what the `payout.paid` entry records onto the payout doc. */
async function recordPaid(ctx: ServerContext, entry: JournalEntry): Promise<PayoutDoc> {
  const _id = ObjectId.createFromHexString(String(entry.meta!.payoutId));
  const paid = { status: 'paid' as const, reference: String(entry.meta!.reference), paidAt: entry.createdAt };
  await payouts(ctx).updateOne({ _id }, { $set: paid });
  return { ...(await payouts(ctx).findOne({ _id }))!, ...paid };
}

function paidEntryId(payoutId: string): string {
  return `payout.paid:${payoutId}`;
}

export async function ensurePayoutIndexes(ctx: ServerContext): Promise<void> {
  await payouts(ctx).createIndex({ userId: 1, seq: 1 }, { unique: true, name: 'user_seq_unique' });
  await payouts(ctx).createIndex({ status: 1, requestedAt: 1 });
}
