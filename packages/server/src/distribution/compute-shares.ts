import { accounts, feeOf, splitEvenly, type Posting } from '../money/index.js';

/** One distinct thing a reader clicked in the period, with its verified owner (or null) when the batch is written. */
export interface ClickedThing {
  thingId: string;
  ownerId: string | null;
}

export interface Share {
  thingId: string;
  /** Gross share of the contribution. */
  amount: number;
  /** Platform fee taken now: 0 for a share held in escrow (the fee is taken on release). */
  fee: number;
  /** The owner paid `amount − fee`, or null: the gross share waits in `escrow:<thingId>`. */
  ownerId: string | null;
}

export interface ReaderShares {
  readerId: string;
  /** `min(budget, available)` if the reader has things to pay, else 0. */
  contribution: number;
  shares: Share[];
  /** The journal postings of the reader's `dist:` entry (zero amounts left out); sums to zero. */
  postings: Posting[];
  fees: number;
  toCreators: number;
  toEscrow: number;
}

export interface ReaderMonth {
  period: string;
  readerId: string;
  budget: number;
  /** The wallet's balance at the snapshot; negative counts as 0. */
  available: number;
  /** Distinct things (duplicates are ignored: a second click counts once). */
  things: readonly ClickedThing[];
  feeBps: number;
}

/**
 * The whole money rule for one reader and one period, as a pure function:
 * the engine, the dry run and the property test all call this.
 *
 * Things the reader owns are left out (a reader cannot pay themselves). The
 * contribution is split with `splitEvenly` (seeded by period and reader so the
 * extra cents rotate between creators), the fee is taken per share with
 * `feeOf`, and shares of unowned things go to escrow gross.
 */
export function computeReaderShares(month: ReaderMonth): ReaderShares {
  const { period, readerId, feeBps } = month;
  const byThing = new Map<string, ClickedThing>();
  for (const thing of month.things) {
    if (thing.ownerId === readerId) continue;
    if (!byThing.has(thing.thingId)) byThing.set(thing.thingId, thing);
  }
  const things = [...byThing.values()].sort((a, b) => (a.thingId < b.thingId ? -1 : a.thingId > b.thingId ? 1 : 0));
  const contribution = things.length === 0 ? 0 : Math.min(Math.max(0, month.budget), Math.max(0, month.available));
  const split = splitEvenly(contribution, things.map((t) => t.thingId), `${period}:${readerId}`);

  const shares: Share[] = [];
  const perOwner = new Map<string, number>();
  const perEscrow = new Map<string, number>();
  let fees = 0;
  for (const thing of things) {
    const amount = split.get(thing.thingId)!;
    if (thing.ownerId === null) {
      shares.push({ thingId: thing.thingId, amount, fee: 0, ownerId: null });
      perEscrow.set(thing.thingId, amount);
    } else {
      const fee = feeOf(amount, feeBps);
      shares.push({ thingId: thing.thingId, amount, fee, ownerId: thing.ownerId });
      fees += fee;
      perOwner.set(thing.ownerId, (perOwner.get(thing.ownerId) ?? 0) + amount - fee);
    }
  }

  const postings: Posting[] = [];
  if (contribution > 0) postings.push({ account: accounts.user(readerId), amount: -contribution });
  let toCreators = 0;
  for (const [ownerId, net] of [...perOwner].sort(([a], [b]) => (a < b ? -1 : 1))) {
    toCreators += net;
    if (net > 0) postings.push({ account: accounts.user(ownerId), amount: net });
  }
  if (fees > 0) postings.push({ account: accounts.fees, amount: fees });
  let toEscrow = 0;
  for (const [thingId, amount] of perEscrow) {
    toEscrow += amount;
    if (amount > 0) postings.push({ account: accounts.escrow(thingId), amount });
  }
  if (fees + toCreators + toEscrow !== contribution) {
    // splitEvenly and feeOf make this impossible; refuse to write money that does not add up.
    throw new Error(`distribution of ${readerId} in ${period} does not add up`);
  }
  return { readerId, contribution, shares, postings, fees, toCreators, toEscrow };
}

/** The escrowed share released to a thing's owner: fee taken now, at the rate of the release. */
export function computeEscrowRelease(input: { thingId: string; ownerId: string; amount: number; feeBps: number }): { fee: number; net: number; postings: Posting[] } {
  const fee = feeOf(input.amount, input.feeBps);
  const net = input.amount - fee;
  const postings: Posting[] = [{ account: accounts.escrow(input.thingId), amount: -input.amount }];
  if (fee > 0) postings.push({ account: accounts.fees, amount: fee });
  if (net > 0) postings.push({ account: accounts.user(input.ownerId), amount: net });
  return { fee, net, postings };
}

/** The escrowed share returned whole to the reader who gave it. */
export function computeEscrowReturn(input: { thingId: string; readerId: string; amount: number }): { postings: Posting[] } {
  return {
    postings: [
      { account: accounts.escrow(input.thingId), amount: -input.amount },
      { account: accounts.user(input.readerId), amount: input.amount },
    ],
  };
}

/**
 * `meta.shares` of a `dist:` entry: one string per share,
 * `<thingId>:<amount>:<fee>:<ownerId>` (`ownerId` empty for escrow). Strings,
 * not sub-documents: compact to store and to scan (the format of every
 * stored entry, so it stays).
 */
export function encodeShares(shares: readonly Share[]): string[] {
  return shares.map((s) => `${s.thingId}:${s.amount}:${s.fee}:${s.ownerId ?? ''}`);
}

/** Reads `meta.shares` back; throws on anything that is not what `encodeShares` writes. */
export function decodeShares(encoded: unknown): Share[] {
  if (!Array.isArray(encoded)) throw new Error('meta.shares is not a list');
  return encoded.map((text) => {
    const parts = typeof text === 'string' ? text.split(':') : [];
    const [thingId, amount, fee, ownerId] = parts;
    const whole = (x: string | undefined) => x !== undefined && /^\d{1,15}$/.test(x);
    if (parts.length !== 4 || !thingId || !whole(amount) || !whole(fee)) {
      throw new Error(`meta.shares holds a malformed share: ${JSON.stringify(text)}`);
    }
    return { thingId, amount: Number(amount), fee: Number(fee), ownerId: ownerId || null };
  });
}
