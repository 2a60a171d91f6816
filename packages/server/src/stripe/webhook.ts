import type Stripe from 'stripe';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { applyDepositEvent, depositEventsOf, missingDepositOf, stripeProvider } from '../deposits/index.js';
import { applyPayoutEvent } from '../payouts/index.js';
import { stripeClient } from './client.js';
import { logStripeEvent } from './event-log.js';

/** Stripe's default tolerance: a signature older than five minutes is refused (replays). */
const SIGNATURE_TOLERANCE_SECONDS = 300;

export type WebhookOutcome = { status: 200 | 503; outcome: 'processed' | 'ignored' | 'retry' | 'rejected'; detail: string };

/**
 * Checks the `Stripe-Signature` header over the raw body with the endpoint's
 * secret (HMAC-SHA256, constant-time, timestamp within 5 minutes: the
 * package's `constructEvent`). Anything that fails is 400 `invalid_signature`
 * before a single write.
 */
export function verifyStripeEvent(ctx: ServerContext, rawBody: Buffer, signature: string | undefined): Stripe.Event {
  if (!signature) throw new AppError(400, 'invalid_signature', 'No Stripe-Signature header');
  try {
    return stripeClient(ctx).webhooks.constructEvent(rawBody, signature, ctx.config.stripe!.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    throw new AppError(400, 'invalid_signature', `The Stripe signature does not verify: ${(error as Error).message}`);
  }
}

/**
 * One verified event into the journal: its deposit events (payments,
 * refunds, disputes) and its payout events (transfers, Connect accounts).
 * Answers 200 for everything done (also again: each write has its
 * deterministic id), for events this server does not act on, and for events
 * it refuses for good (a 4xx of the domain, logged: Stripe would retry in
 * vain); 503 when the event depends on one not recorded yet, so Stripe
 * delivers it again later. Other errors propagate (500: Stripe retries).
 */
export async function handleStripeEvent(ctx: ServerContext, event: Stripe.Event): Promise<WebhookOutcome> {
  const live = ctx.config.stripe!.mode === 'live';
  if (event.livemode !== live) {
    const detail = `a ${event.livemode ? 'live' : 'test'} event at a ${live ? 'live' : 'test'} endpoint`;
    await logStripeEvent(ctx, event, 'ignored', detail);
    return { status: 200, outcome: 'ignored', detail };
  }
  let result: WebhookOutcome;
  try {
    const done: string[] = [];
    for (const depositEvent of await depositEventsOf(ctx, event)) {
      done.push(await applyDepositEvent(ctx, stripeProvider, depositEvent, (reference) => missingDepositOf(ctx, reference)));
    }
    const payout = await applyPayoutEvent(ctx, event);
    if (payout) done.push(payout);
    result = done.length
      ? { status: 200, outcome: 'processed', detail: done.join('; ') }
      : { status: 200, outcome: 'ignored', detail: `${event.type}: nothing to do` };
  } catch (error) {
    if (!(error instanceof AppError) || error.status === 500) throw error;
    if (error.status === 503 || error.status === 502) result = { status: 503, outcome: 'retry', detail: `${error.code}: ${error.message}` };
    else {
      ctx.log.warn(`stripe webhook ${event.id} (${event.type}) refused: ${error.code}: ${error.message}`);
      result = { status: 200, outcome: 'rejected', detail: `${error.code}: ${error.message}` };
    }
  }
  await logStripeEvent(ctx, event, result.outcome, result.detail.slice(0, 500));
  return result;
}
