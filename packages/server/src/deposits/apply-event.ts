import type { ServerContext } from '../context.js';
import { markCheckout } from './checkouts.js';
import type { DepositEvent, PaymentProvider } from './provider.js';
import { recordDeposit } from './record-deposit.js';
import { recordReinstatement, recordReversal } from './reversals.js';

/**
 * Writes one provider event into the journal. Each kind has its deterministic
 * entry id, so an event delivered twice, or both events that confirm one
 * payment, write once; `missingDeposit` credits a payment whose own event has
 * not come yet before a refund or dispute of it.
 * @returns a short description for the event log.
 */
export async function applyDepositEvent(
  ctx: ServerContext,
  provider: PaymentProvider,
  event: DepositEvent,
  missingDeposit: (reference: string) => Promise<DepositEvent | null> = async () => null,
): Promise<string> {
  switch (event.type) {
    case 'confirmed': {
      const { deposit, created } = await recordDeposit(ctx, provider, event.deposit);
      if (event.checkoutId) await markCheckout(ctx, event.checkoutId, 'paid', event.deposit.reference);
      return `${deposit.entryId} ${created ? 'credited' : 'credited before'}`;
    }
    case 'reversed':
    case 'reinstated': {
      const depositReference = event.type === 'reversed' ? event.reversal.depositReference : event.reinstatement.depositReference;
      const missing = await missingDeposit(depositReference);
      if (missing?.type === 'confirmed') await recordDeposit(ctx, provider, missing.deposit);
      if (event.type === 'reversed') {
        const { entry, created } = await recordReversal(ctx, provider, event.reversal);
        return `${entry._id} ${created ? 'recorded' : 'recorded before'}`;
      }
      const { created } = await recordReinstatement(ctx, provider, event.reinstatement);
      return `${event.reinstatement.kind}:${provider.name}:${event.reinstatement.reference} ${created ? 'recorded' : 'recorded before'}`;
    }
    case 'checkout.closed':
      await markCheckout(ctx, event.checkoutId, event.state);
      return `checkout ${event.checkoutId} ${event.state}`;
  }
}
