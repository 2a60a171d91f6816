import { ValidationError } from '../errors/index.js';

/** A calendar month in UTC, `YYYY-MM`. */
export type Period = string;

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function periodOf(date: Date): Period {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function parsePeriod(value: string): Period {
  if (!PERIOD_PATTERN.test(value)) throw new ValidationError(`period must look like 2026-11, got "${value}"`);
  return value;
}

/** First instant of the period (inclusive). */
export function periodStart(period: Period): Date {
  const [, y, m] = PERIOD_PATTERN.exec(period)!;
  return new Date(Date.UTC(Number(y), Number(m) - 1, 1));
}

/** First instant after the period (exclusive). */
export function periodEnd(period: Period): Date {
  const [, y, m] = PERIOD_PATTERN.exec(period)!;
  return new Date(Date.UTC(Number(y), Number(m), 1));
}

export function addMonths(period: Period, months: number): Period {
  const start = periodStart(period);
  return periodOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1)));
}

export function hasEnded(period: Period, now: Date): boolean {
  return now.getTime() >= periodEnd(period).getTime();
}
