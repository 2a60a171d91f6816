import { periodEnd } from '../money/index.js';

export interface PauseInterval {
  from: Date;
  /** null while the pause lasts. */
  until: Date | null;
}

export interface CoverageFacts {
  startPeriod: string;
  /** Inclusive: `startPeriod` + months − 1. */
  endPeriod: string;
  pauses: PauseInterval[];
  cancelledAt: Date | null;
}

/**
 * The instant that decides whether a subscription counts for a period: the
 * last millisecond of the period. What the reader set by the end of the
 * month holds for that month, whenever the distribution runs afterwards.
 */
export function decisiveInstant(period: string): Date {
  return new Date(periodEnd(period).getTime() - 1);
}

/**
 * Does the subscription flattr its thing in `period`? Yes when the period is
 * inside its months and, at the period's last instant, it was neither
 * cancelled nor paused. A paused month is skipped, not postponed: the
 * subscription still ends with `endPeriod` (docs/creators.md).
 */
export function coversPeriod(sub: CoverageFacts, period: string): boolean {
  if (period < sub.startPeriod || period > sub.endPeriod) return false;
  const t = decisiveInstant(period).getTime();
  if (sub.cancelledAt && sub.cancelledAt.getTime() <= t) return false;
  return !sub.pauses.some((p) => p.from.getTime() <= t && (p.until === null || p.until.getTime() > t));
}
