import { createHash } from 'node:crypto';
import { ObjectId, type Db } from 'mongodb';
import type { UserDoc, ThingDoc, FlattrDoc } from '../db/index.js';
import { collections } from '../db/index.js';
import { flattrIdFor } from '../flattrs/index.js';
import { accounts, applyOnce, balances, JOURNAL, parsePeriod, periodStart, periodEnd, type JournalEntry } from '../money/index.js';

export interface SeedOptions {
  readers: number;
  clicks: number;
  period: string;
  /** Same seed, same ids and amounts: two databases seeded alike distribute to identical ledgers. */
  seed: string;
  /** Share of things with a verified owner (the rest collect escrow). Default 0.7. */
  ownedShare?: number;
  /** Called after each written batch, with the clicks written so far. */
  onProgress?: (clicksWritten: number) => void;
}

export interface SeedSummary {
  period: string;
  readers: number;
  creators: number;
  things: number;
  clicks: number;
  deposited: number;
}

const BATCH = 2000;

/**
 * Demo and benchmark data: readers with deposits and budgets, creators, things
 * (some owned, some not) and clicks in one past period, all derived from
 * `seed`. Written in bulk with insertMany. Deposits are journal entries
 * (`deposit:seed:<seed>:<n>`, one per batch of readers) whose readers'
 * balance documents are inserted directly (fresh accounts) instead of one
 * `postEntry` per reader (see `depositBatch`).
 * Not crash-safe itself: seed into a fresh database (it refuses a seed twice).
 */
export async function seedDemoData(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const period = parsePeriod(options.period);
  if (!Number.isSafeInteger(options.readers) || options.readers < 1) throw new RangeError('readers must be a positive integer');
  if (!Number.isSafeInteger(options.clicks) || options.clicks < 0) throw new RangeError('clicks must be a non-negative integer');
  const random = prng(`${options.seed}`);
  const newId = () => new ObjectId(Buffer.from(Array.from({ length: 12 }, () => Math.floor(random() * 256))));
  const tag = createHash('sha256').update(options.seed).digest('hex').slice(0, 8);
  const marker = `seed-${tag}-reader-0@seed.example`;
  if (await collections.users(db).findOne({ email: marker })) throw new Error(`this database was already seeded with seed "${options.seed}"`);

  const readerCount = options.readers;
  const creatorCount = Math.max(1, Math.ceil(readerCount / 20));
  const thingCount = Math.max(3, Math.ceil(options.clicks / 20));
  const ownedShare = options.ownedShare ?? 0.7;
  const now = new Date(periodStart(period));

  const creators: ObjectId[] = [];
  const creatorDocs: UserDoc[] = [];
  for (let i = 0; i < creatorCount; i++) {
    const _id = newId();
    creators.push(_id);
    creatorDocs.push(user(_id, `seed-${tag}-creator-${i}@seed.example`, ['reader', 'creator'], 0, now));
  }
  await insertInBatches(collections.users(db), creatorDocs);

  const things: Array<{ _id: ObjectId; ownerId: ObjectId | null }> = [];
  for (let i = 0; i < thingCount; i++) {
    things.push({ _id: newId(), ownerId: random() < ownedShare ? creators[Math.floor(random() * creators.length)]! : null });
  }
  const flattrCounts = new Int32Array(thingCount);

  const start = periodStart(period).getTime();
  const span = periodEnd(period).getTime() - start;
  let clicksWritten = 0;
  let deposited = 0;
  const perReader = Math.floor(options.clicks / readerCount);
  let extra = options.clicks - perReader * readerCount;
  for (let first = 0; first < readerCount; first += BATCH) {
    const users: UserDoc[] = [];
    const flattrs: FlattrDoc[] = [];
    const deposits: Array<{ id: ObjectId; amount: number }> = [];
    for (let i = first; i < Math.min(readerCount, first + BATCH); i++) {
      const _id = newId();
      // Budgets of 1–30 currency units; one reader in ten deposits nothing (zero balance).
      const budget = 100 * (1 + Math.floor(random() * 30));
      users.push(user(_id, `seed-${tag}-reader-${i}@seed.example`, ['reader'], budget, now));
      const deposit = random() < 0.1 ? 0 : 100 * Math.floor(random() * 40);
      if (deposit > 0) deposits.push({ id: _id, amount: deposit });
      let k = perReader + (extra > 0 ? 1 : 0);
      if (extra > 0) extra -= 1;
      k = Math.min(k, thingCount);
      const picked = new Set<number>();
      while (picked.size < k) picked.add(Math.floor(random() * thingCount));
      for (const t of picked) {
        flattrCounts[t]! += 1;
        const thingId = things[t]!._id;
        flattrs.push({
          _id: flattrIdFor(_id, thingId, period), readerId: _id, thingId, period,
          createdAt: new Date(start + Math.floor(random() * span)), source: 'click',
        });
      }
    }
    await insertInBatches(collections.users(db), users);
    await insertInBatches(collections.flattrs(db), flattrs);
    if (deposits.length) deposited += await depositBatch(db, `deposit:seed:${tag}:${first / BATCH}`, deposits);
    clicksWritten += flattrs.length;
    options.onProgress?.(clicksWritten);
  }

  const thingDocs: ThingDoc[] = things.map((t, i) => {
    const site = `site-${i % 97}.seed-${tag}.example`;
    return {
      _id: t._id, url: `https://${site}/post-${i}`, host: site, title: `Seed post ${i}`, tags: [],
      ownerId: t.ownerId, claimedCreator: null, flattrCount: flattrCounts[i]!, createdAt: now,
    };
  });
  await insertInBatches(collections.things(db), thingDocs);
  return { period, readers: readerCount, creators: creatorCount, things: thingCount, clicks: clicksWritten, deposited };
}

/**
 * One deposit entry for a batch of readers. The readers' wallets are new, so
 * they are inserted with their money first (no marker needed: nothing else
 * knows these accounts yet), then the deposits source is debited once with
 * `applyOnce`, and only then is the entry inserted, `applied`: it is never
 * pending, so a repair running meanwhile (server start, a snapshot) has
 * nothing of it to apply a second time.
 */
async function depositBatch(db: Db, entryId: string, deposits: Array<{ id: ObjectId; amount: number }>): Promise<number> {
  const total = deposits.reduce((s, d) => s + d.amount, 0);
  const entry: JournalEntry = {
    _id: entryId, kind: 'deposit', createdAt: new Date(), state: 'applied',
    postings: [{ account: accounts.deposits, amount: -total }, ...deposits.map((d) => ({ account: accounts.user(d.id.toHexString()), amount: d.amount }))],
    memo: 'seed data (flattr-server seed)', meta: { provider: 'seed', reference: entryId },
  };
  await insertInBatches(balances(db), deposits.map((d) => ({ _id: accounts.user(d.id.toHexString()), amount: d.amount })));
  await applyOnce(db, accounts.deposits, -total, entryId);
  await db.collection<JournalEntry>(JOURNAL).insertOne(entry);
  await balances(db).updateOne({ _id: accounts.deposits }, { $pull: { applying: entryId } });
  return total;
}

function user(_id: ObjectId, email: string, roles: UserDoc['roles'], budget: number, createdAt: Date): UserDoc {
  // '!seed' is no valid password hash: seeded users cannot log in.
  return { _id, email, name: email.split('@')[0]!, passwordHash: '!seed', roles, budget, createdAt };
}

async function insertInBatches<T extends { _id: unknown }>(collection: import('mongodb').Collection<T>, docs: T[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5000) await collection.insertMany(docs.slice(i, i + 5000) as never, { ordered: false });
}

/** mulberry32 seeded from sha256(seed): small, fast, deterministic. */
function prng(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
