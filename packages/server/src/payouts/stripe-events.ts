import { ObjectId } from 'mongodb';
import type Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { stripeClient } from '../stripe/client.js';
import { recordAccountUpdate } from './destinations.js';
import { payouts } from './payouts.js';
import { failPayout, PAYOUT_METADATA_KEY, recordTransferPaid, recordTransferReversal } from './transfers.js';

/**
 * Transfer and Connect events into the journal; null for events about
 * anything else.
 *
 * - `transfer.created`: the transfer exists, so the payout is paid
 *   (`payout.paid:<id>`, as the approval writes when it hears first);
 * - `transfer.reversed`: each reversal (`trr_…`) back into the creator's wallet;
 * - `transfer.paid` / `transfer.failed`: sent to endpoints on API versions
 *   before 2017-04-06 only (today a transfer to a connected account succeeds
 *   or fails in the API call itself); handled the same way, so an old
 *   endpoint works too. A failure after the payment was recorded is a
 *   reversal of the whole amount;
 * - `account.updated`: whether a creator's account can receive transfers.
 */
export async function applyPayoutEvent(ctx: ServerContext, event: Stripe.Event): Promise<string | null> {
  // The legacy transfer events are not in the package's Event union (their API versions are gone).
  const type = event.type as string;
  if (type === 'account.updated') {
    const known = await recordAccountUpdate(ctx, event.data.object as Stripe.Account);
    return known ? `account ${(event.data.object as Stripe.Account).id} updated` : null;
  }
  if (!['transfer.created', 'transfer.paid', 'transfer.reversed', 'transfer.updated', 'transfer.failed'].includes(type)) return null;
  const transfer = event.data.object as Stripe.Transfer;
  const payoutId = transfer.metadata?.[PAYOUT_METADATA_KEY];
  if (!payoutId || !/^[0-9a-f]{24}$/i.test(payoutId)) return null; // a transfer this server did not make
  const doc = await payouts(ctx).findOne({ _id: new ObjectId(payoutId) });
  if (!doc) return null;
  if (type === 'transfer.failed') {
    if (doc.status === 'paid') {
      await recordTransferReversal(ctx, payoutId, transfer, { id: `${transfer.id}:failed`, amount: transfer.amount - (doc.reversedAmount ?? 0) });
      return `payout ${payoutId}: transfer ${transfer.id} failed after it was paid, returned to the wallet`;
    }
    await failPayout(ctx, doc, `transfer_failed: transfer ${transfer.id} failed`);
    return `payout ${payoutId} failed`;
  }
  if (type === 'transfer.reversed' || (type === 'transfer.updated' && transfer.amount_reversed > 0)) {
    let reversals = transfer.reversals?.data;
    if (!reversals || transfer.reversals?.has_more) {
      reversals = [];
      for await (const reversal of stripeClient(ctx).transfers.listReversals(transfer.id, { limit: 100 })) reversals.push(reversal);
    }
    const ours = reversals.filter((r) => r.transfer === transfer.id);
    if (ours.reduce((sum, r) => sum + r.amount, 0) < transfer.amount_reversed) {
      // Never guessed: Stripe delivers the event again, by then listing the reversal.
      throw new AppError(503, 'reversal_not_found', `Transfer ${transfer.id} has ${transfer.amount_reversed} reversed, Stripe listed less; deliver again later`);
    }
    let recorded = 0;
    for (const reversal of ours) {
      if (await recordTransferReversal(ctx, payoutId, transfer, reversal)) recorded += 1;
    }
    return `payout ${payoutId}: ${recorded} reversal(s) recorded`;
  }
  await recordTransferPaid(ctx, payoutId, transfer);
  return `payout ${payoutId} paid by ${transfer.id}`;
}
