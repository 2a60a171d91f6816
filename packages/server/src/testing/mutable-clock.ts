import type { Clock } from '../context.js';

/** A clock tests can move: periods end when the test says so. */
export class MutableClock implements Clock {
  private offsetMs = 0;
  private fixed: Date | undefined;
  now(): Date {
    return this.fixed ? new Date(this.fixed) : new Date(Date.now() + this.offsetMs);
  }
  set(date: Date | string): void {
    this.fixed = new Date(date);
  }
  advance(ms: number): void {
    if (this.fixed) this.fixed = new Date(this.fixed.getTime() + ms);
    else this.offsetMs += ms;
  }
}
