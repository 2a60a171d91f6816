import type { Db } from 'mongodb';
import type { Clock } from '../context.js';

export const DEMO_CLOCK = 'demo_clock';

/** The one document of `demo_clock`: how far the demo's calendar runs ahead of the real one. */
export interface DemoClockDoc {
  _id: 'clock';
  offsetMs: number;
  /** Every move, for the reader of the database (the journal records each as a `demo.clock` entry too). */
  moves: Array<{ endedPeriod: string; offsetMs: number; at: Date }>;
}

/**
 * The demo's clock: the real (or test) clock plus an offset kept in the
 * database, so a demo whose month was ended stays in the next month across
 * restarts. Only `npm start`'s demo mode uses it (DEMO_MODE=true); the
 * offset only ever grows, by `endMonthNow`. Every time the server reads
 * (`ctx.clock.now()`: periods, click dates, the distribution's "has the month
 * ended") follows it; the journal's own `createdAt` stays real time.
 */
export class DemoClock implements Clock {
  constructor(readonly base: Clock, private offset: number) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }

  /** Milliseconds the demo runs ahead of `base`. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Set by `endMonthNow` once the database holds the new offset. */
  moveTo(offsetMs: number): void {
    if (offsetMs > this.offset) this.offset = offsetMs;
  }
}

/** The demo clock with the offset stored in the database (0 for a new demo). */
export async function loadDemoClock(db: Db, base: Clock): Promise<DemoClock> {
  const doc = await db.collection<DemoClockDoc>(DEMO_CLOCK).findOne({ _id: 'clock' });
  return new DemoClock(base, doc?.offsetMs ?? 0);
}
