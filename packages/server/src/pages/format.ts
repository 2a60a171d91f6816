import { formatMinorUnits } from '../payouts/csv.js';
import { decimalToMinor, minorDigits, minorToDecimal } from '../settings/money-format.js';
import type { Lang } from './i18n/index.js';

/** How a page shows amounts, months and dates in the reader's language. Display only: no arithmetic. */
export interface Formatters {
  /** `1234` → `€12.34` (`12,34 €` in German). Exact: the decimal string is formatted, not a float. */
  money(amount: number): string;
  /** `2026-11` → `November 2026`. */
  period(period: string): string;
  /** A day, e.g. `1 Dec 2026`. */
  date(date: Date | string): string;
  /** Day and time (UTC). */
  dateTime(date: Date | string): string;
  /** An integer count. */
  count(value: number): string;
  /** Minor units as an input's value: `500` → `5.00`. */
  moneyInput(amount: number): string;
  /** What a person typed (`5`, `5.5`, `5,50`) → minor units, or null. */
  parseMoney(input: unknown): number | null;
  currency: string;
  /** Decimal places of the currency (2 for EUR). */
  minorDigits: number;
}

export function formattersFor(lang: Lang, currency: string): Formatters {
  const money = new Intl.NumberFormat(lang, { style: 'currency', currency });
  const count = new Intl.NumberFormat(lang);
  const month = new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const day = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const dayTime = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
  return {
    // Intl formats a decimal string exactly (no binary float in between).
    money: (amount) => money.format(formatMinorUnits(amount, currency) as unknown as number),
    period: (period) => month.format(new Date(`${period}-01T00:00:00Z`)),
    date: (date) => day.format(new Date(date)),
    dateTime: (date) => dayTime.format(new Date(date)),
    count: (value) => count.format(value),
    moneyInput: (amount) => minorToDecimal(amount, currency),
    parseMoney: (input) => (typeof input === 'string' ? decimalToMinor(input, currency) : null),
    currency,
    minorDigits: minorDigits(currency),
  };
}
