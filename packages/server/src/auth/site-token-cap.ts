import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { AppError, isDuplicateKeyError, ValidationError } from '../errors/index.js';
import type { SiteGrant } from '../http/auth-context.js';
import { periodEnd } from '../money/period.js';

/**
 * How many new flattrs a site may make for a reader in one month with the
 * reader's one-click permission, unless the reader chose another number.
 *
 * A count of clicks, not an amount of money: a reader's month is split
 * evenly over the distinct things they flattred (docs/money.md), so what a
 * click is worth is only known when the month ends, and every click a site
 * makes takes its 1/n out of the shares of everything the reader chose
 * themselves. Capping the clicks caps that dilution in the unit the site
 * controls. Ten is more than most readers flattr on one site in a month and
 * little enough that a site cannot take over a reader's month unnoticed.
 */
export const DEFAULT_SITE_MONTHLY_CAP = 10;
export const MAX_SITE_MONTHLY_CAP = 1000;

export const SITE_CLICKS = 'site_clicks';

/**
 * New flattrs one site made for one reader in one period with a site token:
 * one document per (reader, origin, period), so re-granting one click on a
 * site (a new token for the same origin) does not start the month afresh.
 */
export interface SiteClicksDoc {
  /** `<reader id>|<period>|<origin>`. */
  _id: string;
  userId: ObjectId;
  origin: string;
  period: string;
  count: number;
}

function siteClicks(ctx: ServerContext): Collection<SiteClicksDoc> {
  return ctx.db.collection<SiteClicksDoc>(SITE_CLICKS);
}

function idOf(userId: ObjectId, origin: string, period: string): string {
  return `${userId.toHexString()}|${period}|${origin}`;
}

/** The reader's one-click permission for this site is used up for the month: 429 with `Retry-After` (seconds until the next month). */
export class SiteCapReachedError extends AppError {
  constructor(readonly grant: SiteGrant, readonly period: string) {
    const resetsAt = periodEnd(period);
    super(
      429,
      'site_cap_reached',
      `${grant.origin} has made the ${grant.monthlyCap} flattrs a month the reader allowed it with one click; `
      + 'the reader can still flattr in the Flattr window, or raise the limit in their settings',
      { monthlyCap: grant.monthlyCap, period, resetsAt: resetsAt.toISOString() },
    );
  }

  retryAfterSeconds(now: Date): number {
    return Math.max(1, Math.ceil((periodEnd(this.period).getTime() - now.getTime()) / 1000));
  }
}

/**
 * Takes one of the month's new flattrs the reader allowed this site, or
 * throws SiteCapReachedError. Exact under any concurrency without a
 * transaction: the count only moves through `$inc` guarded by
 * `count < monthlyCap` on the one document of (reader, origin, period), and
 * the document's first click inserts it with `count: 1` under its `_id` (a
 * lost insert race retries the guarded `$inc`). One command when the
 * document exists.
 * @returns the undo, for a click that then records no new flattr (a repeat,
 *   a refusal, a lost race): the slot goes back. A crash between the two
 *   loses a slot, never grants one more.
 */
export async function takeSiteClick(ctx: ServerContext, userId: string, grant: SiteGrant, period: string): Promise<() => Promise<void>> {
  const user = ObjectId.createFromHexString(userId);
  const _id = idOf(user, grant.origin, period);
  const guarded = () => siteClicks(ctx).updateOne({ _id, count: { $lt: grant.monthlyCap } }, { $inc: { count: 1 } });
  const undo = async () => {
    await siteClicks(ctx).updateOne({ _id, count: { $gt: 0 } }, { $inc: { count: -1 } });
  };
  if ((await guarded()).matchedCount === 1) return undo;
  if (grant.monthlyCap >= 1) {
    try {
      await siteClicks(ctx).insertOne({ _id, userId: user, origin: grant.origin, period, count: 1 });
      return undo;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    // The document exists (at the cap, or another click inserted it just now): the guard decides.
    if ((await guarded()).matchedCount === 1) return undo;
  }
  throw new SiteCapReachedError(grant, period);
}

/** New flattrs each of these sites made for the reader in `period`, by origin (0 for none). */
export async function siteClicksIn(ctx: ServerContext, userId: string, origins: string[], period: string): Promise<Map<string, number>> {
  const user = ObjectId.createFromHexString(userId);
  const docs = origins.length === 0 ? [] : await siteClicks(ctx)
    .find({ _id: { $in: origins.map((origin) => idOf(user, origin, period)) } }, { projection: { origin: 1, count: 1 } })
    .toArray();
  const used = new Map(origins.map((origin) => [origin, 0]));
  for (const doc of docs) used.set(doc.origin, doc.count);
  return used;
}

/** A cap as a reader may set it: a whole number of flattrs from 1 to MAX_SITE_MONTHLY_CAP. */
export function checkMonthlyCap(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SITE_MONTHLY_CAP) {
    throw new ValidationError(`monthlyCap must be a whole number of flattrs from 1 to ${MAX_SITE_MONTHLY_CAP}`, [
      { path: 'monthlyCap', message: `a whole number from 1 to ${MAX_SITE_MONTHLY_CAP}` },
    ]);
  }
  return value;
}
