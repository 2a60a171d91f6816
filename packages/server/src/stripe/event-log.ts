import type { Collection } from 'mongodb';
import type { ServerContext } from '../context.js';

export const STRIPE_EVENTS = 'stripe_events';

/**
 * Every verified Stripe event received, for the admin and for debugging: not
 * what makes processing idempotent (the journal's deterministic ids do that).
 */
export interface StripeEventDoc {
  _id: string;
  type: string;
  livemode: boolean;
  created: Date;
  firstReceivedAt: Date;
  lastReceivedAt: Date;
  deliveries: number;
  /** `processed`, `ignored` (not an event this server acts on), `retry` (answered 503 to be sent again), `rejected` (logged, answered 200). */
  outcome: 'processed' | 'ignored' | 'retry' | 'rejected';
  detail: string | null;
}

export const stripeEvents = (ctx: Pick<ServerContext, 'db'>): Collection<StripeEventDoc> => ctx.db.collection<StripeEventDoc>(STRIPE_EVENTS);

export async function logStripeEvent(
  ctx: ServerContext,
  event: { id: string; type: string; livemode: boolean; created: number },
  outcome: StripeEventDoc['outcome'],
  detail: string | null,
): Promise<void> {
  const now = ctx.clock.now();
  await stripeEvents(ctx).updateOne(
    { _id: event.id },
    {
      $setOnInsert: { type: event.type, livemode: event.livemode, created: new Date(event.created * 1000), firstReceivedAt: now },
      $set: { lastReceivedAt: now, outcome, detail },
      $inc: { deliveries: 1 },
    },
    { upsert: true },
  ).catch((error) => {
    // Two deliveries of a new event at once: the loser's upsert finds the winner's document.
    if ((error as { code?: number }).code !== 11000) throw error;
    return stripeEvents(ctx).updateOne({ _id: event.id }, { $set: { lastReceivedAt: now, outcome, detail }, $inc: { deliveries: 1 } });
  });
}
