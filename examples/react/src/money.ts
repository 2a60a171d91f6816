/** Amounts are integer minor units of the service's one currency (cents for EUR): shown with Intl. */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** Minor units → the plain major-unit number for a form field ("5.5" for 550 cents). */
export function toMajor(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return String(minor / 10 ** digits);
}

/** "5.50" or "5,50" in the currency's major unit → minor units; null when it is not an amount. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const match = /^\s*(\d{1,9})(?:[.,](\d+))?\s*$/.exec(text);
  if (!match || (match[2] && match[2].length > digits)) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || 0);
}
