import SEPA from 'sepa';
import type { ServerContext } from '../context.js';
import { ForbiddenError, UnprocessableError } from '../errors/index.js';
import { formatMinorUnits } from './csv.js';
import { destinations, type PayoutDestinationDoc } from './destinations.js';
import type { PayoutDoc } from './payouts.js';

/** An IBAN as banks print it or as typed (spaces, lower case) → the compact upper-case form, or null if its checksum fails. */
export function normalizeIban(input: string): string | null {
  const iban = input.replace(/\s+/g, '').toUpperCase();
  return /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban) && SEPA.validateIBAN(iban) ? iban : null;
}

export const BIC_PATTERN = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/**
 * The payouts due as one SEPA credit transfer file (pain.001.001.09) for the
 * operator's bank: one transaction per payout, its id as end-to-end id (the
 * reference to mark it paid with). Built with the `sepa` package (kewisch/
 * sepa.js: no dependencies, validates IBANs). It takes amounts as numbers;
 * they are whole cents divided by 100 (exact to two decimals), and the test
 * checks every amount and the control sum against the integer totals.
 * Refused: no debtor account configured (403 `sepa_not_configured`), a
 * payout without bank details (422 `bank_details_missing`: no payout is left
 * out silently).
 */
export function sepaCreditTransfer(ctx: ServerContext, due: PayoutDoc[], banks: Map<string, NonNullable<PayoutDestinationDoc['bank']>>): string {
  const debtor = ctx.config.sepa;
  if (!debtor) throw new ForbiddenError('No SEPA debtor account is configured (SEPA_DEBTOR_NAME, SEPA_DEBTOR_IBAN)', 'sepa_not_configured');
  const missing = due.filter((p) => !banks.has(p.userId.toHexString())).map((p) => p._id.toHexString());
  if (missing.length) throw new UnprocessableError(`${missing.length} payout(s) have no bank details`, 'bank_details_missing', { payoutIds: missing });
  const now = ctx.clock.now();
  const doc = new SEPA.Document('pain.001.001.09');
  doc.grpHdr.id = `FLATTR-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`;
  doc.grpHdr.created = now;
  doc.grpHdr.initiatorName = debtor.name;
  const info = doc.createPaymentInfo();
  info.requestedExecutionDate = now;
  info.debtorIBAN = debtor.iban;
  if (debtor.bic) info.debtorBIC = debtor.bic;
  info.debtorName = debtor.name;
  doc.addPaymentInfo(info);
  for (const payout of due) {
    const bank = banks.get(payout.userId.toHexString())!;
    const tx = info.createTransaction();
    tx.creditorName = bank.holder;
    tx.creditorIBAN = bank.iban;
    if (bank.bic) tx.creditorBIC = bank.bic;
    tx.amount = Number(formatMinorUnits(payout.amount, 'EUR'));
    tx.remittanceInfo = `Flattr payout ${payout._id.toHexString()}`;
    tx.end2endId = payout._id.toHexString();
    info.addTransaction(tx);
  }
  return doc.toString();
}

/** The SEPA file of the payouts due that are paid by hand (Stripe payouts are transfers), with their creators' bank accounts. */
export async function sepaExportOfDue(ctx: ServerContext, due: PayoutDoc[]): Promise<string> {
  const manual = due.filter((d) => d.status === 'requested' && (d.method ?? 'manual') === 'manual');
  const rows = await destinations(ctx).find({ _id: { $in: manual.map((d) => d.userId.toHexString()) }, 'bank.iban': { $exists: true } }).toArray();
  return sepaCreditTransfer(ctx, manual, new Map(rows.filter((r) => r.bank).map((r) => [r._id, r.bank!])));
}
