import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { decodeShares } from '../distribution/compute-shares.js';
import { accounts, JOURNAL, type JournalEntry } from '../money/index.js';
import { toObjectId } from '../things/index.js';

export interface Money3 {
  gross: number;
  fee: number;
  net: number;
}

export interface ThingEarnings extends Money3 {
  thingId: string;
  url: string | null;
  title: string | null;
  /** Readers whose contribution had a share for this thing. */
  shares: number;
  /** The part of the above that waited in escrow and was released on verification. */
  fromEscrow: Money3;
}

export interface PeriodEarnings extends Money3 {
  period: string;
  things: ThingEarnings[];
}

export interface Earnings {
  currency: string;
  /** The period asked for, or null for all. */
  period: string | null;
  periods: PeriodEarnings[];
  totals: Money3;
}

/**
 * A creator's earnings, read back from the journal (the source of truth):
 * the shares of `distribution` entries (`dist:<period>:<reader>`) whose
 * `meta.shares` (see `encodeShares`) name the creator as owner, and the `escrow.release` entries
 * paid to them. Both are attributed to the period the readers gave the money
 * for (a release to its escrow's period). Gross = the readers' shares, fee =
 * the platform's part, net = what reached the wallet. Formats: docs/money.md.
 */
export async function earningsOf(ctx: ServerContext, userId: string, period?: string): Promise<Earnings> {
  const perPeriod = new Map<string, Map<string, ThingEarnings>>();
  const add = (p: string, thingId: string, gross: number, fee: number, fromEscrow: boolean) => {
    const things = perPeriod.get(p) ?? new Map<string, ThingEarnings>();
    perPeriod.set(p, things);
    const row = things.get(thingId) ?? {
      thingId, url: null, title: null, gross: 0, fee: 0, net: 0, shares: 0, fromEscrow: { gross: 0, fee: 0, net: 0 },
    };
    things.set(thingId, row);
    row.gross += gross;
    row.fee += fee;
    row.net += gross - fee;
    row.shares += 1;
    if (fromEscrow) {
      row.fromEscrow.gross += gross;
      row.fromEscrow.fee += fee;
      row.fromEscrow.net += gross - fee;
    }
  };

  const cursor = ctx.db.collection<JournalEntry>(JOURNAL).find(
    {
      // The index on postings.account finds the entries that touched the wallet.
      'postings.account': accounts.user(userId),
      kind: { $in: ['distribution', 'escrow.release'] },
      ...(period ? { period } : {}),
    },
    { projection: { kind: 1, period: 1, meta: 1 } },
  );
  for await (const entry of cursor) {
    const meta = entry.meta ?? {};
    if (entry.kind === 'distribution') {
      for (const share of decodeShares(meta.shares ?? [])) {
        if (share.ownerId !== null && String(share.ownerId) === userId && share.amount > 0) {
          add(entry.period!, String(share.thingId), share.amount, share.fee, false);
        }
      }
    } else if (String(meta.ownerId) === userId) {
      const p = entry.period ?? String(meta.period);
      add(p, String(meta.thingId), Number(meta.amount), Number(meta.fee), true);
    }
  }

  const thingIds = [...new Set([...perPeriod.values()].flatMap((m) => [...m.keys()]))];
  const things = await collections.things(ctx.db)
    .find({ _id: { $in: thingIds.map(toObjectId).filter((id) => id !== null) } }, { projection: { url: 1, title: 1 } })
    .toArray();
  const described = new Map(things.map((t) => [t._id.toHexString(), t]));

  const totals: Money3 = { gross: 0, fee: 0, net: 0 };
  const periods = [...perPeriod.entries()]
    .sort(([a], [b]) => (a < b ? 1 : -1))
    .map(([p, rows]) => {
      const list = [...rows.values()].sort((a, b) => b.gross - a.gross || (a.thingId < b.thingId ? -1 : 1));
      for (const row of list) {
        row.url = described.get(row.thingId)?.url ?? null;
        row.title = described.get(row.thingId)?.title ?? null;
      }
      const sum = sumOf(list);
      totals.gross += sum.gross;
      totals.fee += sum.fee;
      totals.net += sum.net;
      return { period: p, ...sum, things: list };
    });
  return { currency: ctx.config.currency, period: period ?? null, periods, totals };
}

function sumOf(rows: Money3[]): Money3 {
  return rows.reduce((s, r) => ({ gross: s.gross + r.gross, fee: s.fee + r.fee, net: s.net + r.net }), { gross: 0, fee: 0, net: 0 });
}
