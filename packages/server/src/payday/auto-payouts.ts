import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { accounts, balanceOf } from '../money/index.js';
import { approvePayout, destinations, payouts, requestPayout } from '../payouts/index.js';

/** The payout id of a creator's automatic payout after a period: the same every time it is worked out. */
export function autoPayoutId(period: string, userId: string): ObjectId {
  return new ObjectId(createHash('sha256').update(`auto:${period}:${userId}`).digest('hex').slice(0, 24));
}

/**
 * Automatic payouts (PAYOUT_AUTO_THRESHOLD > 0): after a period is
 * distributed, every creator whose Stripe account can receive transfers and
 * whose wallet holds at least the threshold is paid the wallet out without
 * asking (a payout request and its transfer, no admin approval). The payout's
 * id is derived from (period, creator), so running this again after a crash
 * finishes the same payout instead of making a second one; the transfer has
 * its own idempotency key as every approved payout.
 */
export async function runAutoPayouts(ctx: ServerContext, period: string): Promise<{ paid: number; failed: number; skipped: number }> {
  const threshold = ctx.config.payoutAutoThreshold;
  const result = { paid: 0, failed: 0, skipped: 0 };
  if (threshold <= 0 || !ctx.config.stripe) return result;
  for await (const destination of destinations(ctx).find({ method: 'stripe', ready: true })) {
    const userId = destination._id;
    const payoutId = autoPayoutId(period, userId);
    try {
      let doc = await payouts(ctx).findOne({ _id: payoutId });
      if (!doc) {
        const available = await balanceOf(ctx.db, accounts.user(userId));
        if (available < threshold) {
          result.skipped += 1;
          continue;
        }
        doc = await requestPayout(ctx, userId, available, { payoutId });
      }
      const outcome = doc.method === 'stripe' ? await approvePayout(ctx, payoutId.toHexString()) : doc;
      if (outcome.status === 'paid') result.paid += 1;
      else if (outcome.status === 'failed') result.failed += 1;
      else result.skipped += 1;
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) ctx.log.error(`auto payout of ${userId} for ${period} failed`, error);
      result.skipped += 1;
    }
  }
  return result;
}
