/** Digits after the decimal point of `currency` (2 for EUR, 0 for JPY), as Intl knows them. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `500` EUR → `€5.00`. */
export function formatMinor(amount: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 10 ** minorDigits(currency));
}

/** `500` EUR → `5.00` (for an input's value). */
export function minorToDecimal(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  return digits === 0 ? String(amount) : `${Math.trunc(amount / 10 ** digits)}.${String(amount % 10 ** digits).padStart(digits, '0')}`;
}

/**
 * Parses what a reader types (`5`, `5.5`, `5,50`) into minor units without
 * floating point; null for anything else (more decimals than the currency has,
 * signs, exponents, empty).
 */
export function decimalToMinor(input: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const match = /^(\d{1,12})(?:[.,](\d+))?$/.exec(input.trim());
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const value = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(value) ? value : null;
}
