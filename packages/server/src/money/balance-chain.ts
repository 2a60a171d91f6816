import type { Db } from 'mongodb';
import { insertManyReportingDuplicates } from '../db/insert-many.js';
import { isDuplicateKeyError } from '../errors/index.js';
import { BALANCES, type BalanceVersion } from './journal.js';
import { assertMinorUnits } from './money.js';

/** One link to add to an account's balance chain (see `BalanceVersion`). */
export interface ChainAppend {
  account: string;
  /** The head the writer knows (seq 0, amount 0: no link yet); the link goes right after it if nobody moved it. */
  head: { seq: number; amount: number };
  /** What the link adds to the balance. */
  delta: number;
  /** The journal entries whose postings to `account` the link applies. */
  entryIds: string[];
  /** Set on a distribution run's credit link: the period whose credits it applies (docs/money.md). */
  run?: string;
}

/**
 * Appends links in bulk for writers that know the heads (the distribution,
 * from its snapshot or one scan of the chains): one `insertMany` at
 * `head.seq + 1` each. A link whose seq was taken meanwhile (a deposit, or
 * this very writer before a crash) walks the chain forward by `_id`
 * (`<account>#<seq>`, the one lookup FerretDB answers from an index) until
 * it finds either a link that already applies the same thing (then there is
 * nothing to do) or the free seq after the head, and inserts there.
 *
 * Correct under concurrency without transactions because the only atomic
 * step is the insert under a unique `_id`, as in `postEntry`; an append
 * never applies twice because the walk starts at a head that is older than
 * anything this append could have written.
 */
export async function appendToChains(db: Db, appends: readonly ChainAppend[]): Promise<void> {
  const versions = db.collection<BalanceVersion>(BALANCES);
  const links = appends.map((a) => linkAfter(a, a.head));
  const collided = await insertManyReportingDuplicates(versions, links);
  for (const index of collided) await appendByWalking(db, appends[index]!);
}

async function appendByWalking(db: Db, append: ChainAppend): Promise<void> {
  const versions = db.collection<BalanceVersion>(BALANCES);
  let head = append.head;
  for (let step = 0; ; step++) {
    const next = await versions.findOne({ _id: `${append.account}#${head.seq + 1}` });
    if (next) {
      if (appliesSame(next, append)) return;
      head = { seq: next.seq, amount: next.amount };
      continue;
    }
    try {
      await versions.insertOne(linkAfter(append, head));
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error) || step > 10_000) throw error;
      // Taken between our look and our insert: look again.
    }
  }
}

function linkAfter(append: ChainAppend, head: { seq: number; amount: number }): BalanceVersion {
  const amount = head.amount + append.delta;
  assertMinorUnits(amount, `balance of ${append.account}`);
  const link: BalanceVersion = {
    _id: `${append.account}#${head.seq + 1}`,
    account: append.account,
    seq: head.seq + 1,
    amount,
    entryIds: append.entryIds,
    at: new Date(),
  };
  if (append.run !== undefined) link.run = append.run;
  return link;
}

/** Does `link` already apply what `append` would? Same run's credits, or every one of its entries. */
function appliesSame(link: BalanceVersion, append: ChainAppend): boolean {
  if (append.run !== undefined) return link.run === append.run;
  return append.entryIds.length > 0 && append.entryIds.every((id) => link.entryIds.includes(id));
}
