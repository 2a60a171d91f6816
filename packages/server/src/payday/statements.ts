import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS } from '../db/index.js';
import { decodeShares } from '../distribution/compute-shares.js';
import { ConflictError } from '../errors/index.js';
import { recipientOf, sendMail, type SendOutcome } from '../mail/index.js';
import { accounts, balanceOf, JOURNAL, type JournalEntry } from '../money/index.js';

export type OutcomeCounts = Record<SendOutcome | 'skipped', number>;

/**
 * The month's mail after its distribution: a receipt to every reader who
 * gave money ("your €5.00 went to …") and an earnings note to every creator
 * who received some, read from the period's `dist:` entries (the journal is
 * the source of truth). Each email has its key (`receipt:<period>:<user>`,
 * `earnings:<period>:<user>`), so running this again, or after a crash,
 * sends nobody anything twice. Only for a finished run; nothing without mail.
 */
export async function sendMonthlyStatements(ctx: ServerContext, period: string): Promise<{ receipts: OutcomeCounts; earnings: OutcomeCounts }> {
  const run = await ctx.db.collection(DISTRIBUTIONS).findOne({ _id: period as never }, { projection: { status: 1 } });
  if (run?.status !== 'done') throw new ConflictError(`${period} is not distributed (yet): no statements before its run is done`, 'period_not_distributed');
  const receipts = counts();
  const earnings = counts();
  const creators = new Map<string, Map<string, { gross: number; fee: number; net: number }>>();
  const titles = new ThingTitles(ctx);
  const entries = ctx.db.collection<JournalEntry>(JOURNAL).find({ kind: 'distribution', period }, { projection: { meta: 1 }, batchSize: 1000 });
  for await (const entry of entries) {
    const meta = entry.meta as { readerId: string; contribution: number; shares: unknown };
    const shares = decodeShares(meta.shares ?? []);
    for (const share of shares) {
      if (!share.ownerId || share.amount === 0) continue;
      const things = creators.get(share.ownerId) ?? new Map();
      const sum = things.get(share.thingId) ?? { gross: 0, fee: 0, net: 0 };
      sum.gross += share.amount;
      sum.fee += share.fee;
      sum.net += share.amount - share.fee;
      things.set(share.thingId, sum);
      creators.set(share.ownerId, things);
    }
    if (!meta.contribution) continue;
    const to = await recipientOf(ctx, meta.readerId);
    if (!to) {
      receipts.skipped += 1;
      continue;
    }
    const items = [];
    for (const share of shares.filter((s) => s.amount > 0)) items.push({ ...(await titles.of(share.thingId)), amount: share.amount });
    receipts[await sendMail(ctx, {
      key: `receipt:${period}:${meta.readerId}`, to: to.to, userId: meta.readerId, language: to.language,
      content: { kind: 'receipt', name: to.name, period, amount: meta.contribution, items },
    })] += 1;
  }
  for (const [creatorId, things] of creators) {
    const to = await recipientOf(ctx, creatorId);
    if (!to) {
      earnings.skipped += 1;
      continue;
    }
    const items = [];
    for (const [thingId, sum] of things) items.push({ ...(await titles.of(thingId)), ...sum });
    items.sort((a, b) => b.net - a.net);
    earnings[await sendMail(ctx, {
      key: `earnings:${period}:${creatorId}`, to: to.to, userId: creatorId, language: to.language,
      content: { kind: 'earnings', name: to.name, period, net: items.reduce((s, i) => s + i.net, 0), balance: await balanceOf(ctx.db, accounts.user(creatorId)), items },
    })] += 1;
  }
  return { receipts, earnings };
}

function counts(): OutcomeCounts {
  return { sent: 0, already: 0, failed: 0, off: 0, skipped: 0 };
}

/** Things' titles and URLs, each read once. */
class ThingTitles {
  private readonly known = new Map<string, { title: string; url: string }>();
  constructor(private readonly ctx: ServerContext) {}
  async of(thingId: string): Promise<{ title: string; url: string }> {
    let thing = this.known.get(thingId);
    if (!thing) {
      const doc = ObjectId.isValid(thingId) ? await collections.things(this.ctx.db).findOne({ _id: new ObjectId(thingId) }, { projection: { title: 1, url: 1 } }) : null;
      thing = { title: doc?.title || doc?.url || thingId, url: doc?.url ?? '' };
      this.known.set(thingId, thing);
    }
    return thing;
  }
}
