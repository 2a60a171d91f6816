import type { PayoutDoc } from './payouts.js';

/** Minor units as a decimal string in the currency's own precision: 1234 EUR → "12.34", 1234 JPY → "1234". */
export function formatMinorUnits(amount: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}

/**
 * RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote
 * or line break. A text field that a spreadsheet would run as a formula
 * (starting with = + - @ or a tab/CR) gets a leading apostrophe.
 */
export function toCsv(header: string[], rows: Array<Array<string | number>>): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const PAYOUT_CSV_COLUMNS = ['id', 'user_id', 'email', 'amount_minor', 'amount', 'currency', 'requested_at'];

/** The payouts export for the bank (API `format=csv` and the admin page's download): one row per payout. */
export function payoutsCsv(docs: readonly PayoutDoc[], emails: ReadonlyMap<string, string>): string {
  return toCsv(PAYOUT_CSV_COLUMNS, docs.map((d) => [
    d._id.toHexString(),
    d.userId.toHexString(),
    emails.get(d.userId.toHexString()) ?? '',
    d.amount,
    formatMinorUnits(d.amount, d.currency),
    d.currency,
    d.requestedAt.toISOString(),
  ]));
}
