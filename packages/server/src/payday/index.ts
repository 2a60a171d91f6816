import type { ServerContext } from '../context.js';
import { runAutoPayouts } from './auto-payouts.js';
import { sendMonthlyStatements } from './statements.js';

export { sendMonthlyStatements, type OutcomeCounts } from './statements.js';
export { runAutoPayouts, autoPayoutId } from './auto-payouts.js';

/**
 * What follows a finished distribution, each step idempotent on its own:
 * the month's receipts and earnings notes, then the automatic payouts.
 * The CLI runs it after `distribute` (and alone: `mail monthly`, `payouts auto`),
 * the admin endpoint after its background run.
 */
export async function afterDistribution(ctx: ServerContext, period: string): Promise<void> {
  if (ctx.config.mail.transport !== 'none') {
    const { receipts, earnings } = await sendMonthlyStatements(ctx, period);
    ctx.log.info(`${period}: receipts sent ${receipts.sent} (before ${receipts.already}, failed ${receipts.failed}); earnings notes sent ${earnings.sent} (before ${earnings.already}, failed ${earnings.failed})`);
  }
  const auto = await runAutoPayouts(ctx, period);
  if (auto.paid + auto.failed > 0) ctx.log.info(`${period}: automatic payouts ${auto.paid} paid, ${auto.failed} failed`);
}
