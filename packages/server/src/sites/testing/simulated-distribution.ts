import { ObjectId, type Db } from 'mongodb';
import { DISTRIBUTIONS } from '../../db/index.js';
import { accounts, feeOf, postEntry, splitEvenly, type Posting } from '../../money/index.js';
import { ESCROW } from '../release-escrow.js';

export interface SimulatedReader {
  readerId: string;
  contribution: number;
  /** The reader's distinct things in the period, each with its verified owner (or null: escrow). */
  things: Array<{ thingId: string; ownerId: string | null }>;
}

/**
 * Writes what the distribution of `period` writes (docs/money.md): one
 * `dist:<period>:<reader>` entry per reader, the `escrow` docs of unowned
 * shares, and a finished run document with its totals. For tests of the
 * creators' side that need a distributed period without running the engine.
 */
export async function simulateDistribution(db: Db, period: string, readers: SimulatedReader[], feeBps: number): Promise<void> {
  const totals = { readers: 0, payingReaders: 0, clicks: 0, things: 0, contributed: 0, fees: 0, toCreators: 0, toEscrow: 0, returned: 0 };
  const things = new Set<string>();
  for (const reader of readers) {
    const split = splitEvenly(reader.contribution, reader.things.map((t) => t.thingId), `${period}:${reader.readerId}`);
    const perAccount = new Map<string, number>();
    const credit = (account: string, amount: number) => perAccount.set(account, (perAccount.get(account) ?? 0) + amount);
    const shares = reader.things.map(({ thingId, ownerId }) => {
      const amount = split.get(thingId)!;
      const fee = ownerId ? feeOf(amount, feeBps) : 0;
      if (ownerId) {
        credit(accounts.user(ownerId), amount - fee);
        credit(accounts.fees, fee);
        totals.fees += fee;
        totals.toCreators += amount - fee;
      } else {
        credit(accounts.escrow(thingId), amount);
        totals.toEscrow += amount;
      }
      things.add(thingId);
      return { thingId, amount, fee, ownerId };
    });
    const postings: Posting[] = [{ account: accounts.user(reader.readerId), amount: -reader.contribution }];
    for (const [account, amount] of perAccount) if (amount !== 0) postings.push({ account, amount });
    if (reader.contribution > 0) {
      await postEntry(db, {
        _id: `dist:${period}:${reader.readerId}`, kind: 'distribution', period, postings,
        meta: { readerId: reader.readerId, contribution: reader.contribution, shares },
      });
    }
    for (const share of shares.filter((s) => s.ownerId === null && s.amount > 0)) {
      await db.collection(ESCROW).insertOne({
        _id: `${period}:${reader.readerId}:${share.thingId}` as never,
        period,
        readerId: ObjectId.createFromHexString(reader.readerId),
        thingId: ObjectId.createFromHexString(share.thingId),
        amount: share.amount,
        state: 'held',
        releaseTo: null,
        claimedAt: null,
        settledAt: null,
      });
    }
    totals.readers += 1;
    if (reader.contribution > 0) totals.payingReaders += 1;
    totals.clicks += reader.things.length;
    totals.contributed += reader.contribution;
  }
  totals.things = things.size;
  await db.collection(DISTRIBUTIONS).insertOne({
    _id: period as never, status: 'done', stage: 'done', feeBps, totals, finishedAt: new Date(), currency: 'EUR',
  });
}
