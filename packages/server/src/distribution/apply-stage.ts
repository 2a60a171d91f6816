import type { Db } from 'mongodb';
import { accounts, appendToChains, BALANCES, JOURNAL, type BalanceVersion, type ChainAppend, type JournalEntry } from '../money/index.js';
import { report, save, type StageFn } from './run-context.js';

/**
 * Applies the run's credits to the cached balances: one link per credited
 * account (creators, `platform:fees`, `escrow:<thing>`) carrying the sum of
 * its credits over all of the period's `dist:` entries, marked `run: <period>`.
 * One link per account per run, instead of one per batch, keeps the chains
 * short (a creator is credited by readers of every batch).
 *
 * Heads come from one scan of the chains, which also shows the accounts
 * this run credited already (a crash in this stage): those are skipped, so
 * the stage can be run again at any moment.
 */
export const applyStage: StageFn = async (ctx, run, options, memory) => {
  const period = run._id;
  const credits = memory.credits ?? (await creditsFromJournal(ctx.db, period));
  const heads = new Map<string, { seq: number; amount: number }>();
  let creditedBefore = 0;
  const versions = ctx.db.collection<BalanceVersion>(BALANCES);
  for await (const link of versions.find({}, { projection: { account: 1, seq: 1, amount: 1, run: 1 } }).batchSize(5000)) {
    if (!credits.has(link.account)) continue;
    if (link.run === period) {
      credits.delete(link.account);
      creditedBefore += 1;
      continue;
    }
    const head = heads.get(link.account);
    if (!head || head.seq < link.seq) heads.set(link.account, { seq: link.seq, amount: link.amount });
  }
  const appends: ChainAppend[] = [...credits]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([account, delta]) => ({ account, head: heads.get(account) ?? { seq: 0, amount: 0 }, delta, entryIds: [], run: period }));
  for (let i = 0; i < appends.length; i += 2000) {
    await appendToChains(ctx.db, appends.slice(i, i + 2000));
    run.progress.accountsCredited = creditedBefore + Math.min(appends.length, i + 2000);
    await save(ctx, run, { 'progress.accountsCredited': run.progress.accountsCredited });
    report(run, options);
  }
  memory.credits = null;
  return 'returns';
};

/** The period's credits per account, summed from its `dist:` entries (after a resume in the write stage). */
async function creditsFromJournal(db: Db, period: string): Promise<Map<string, number>> {
  const credits = new Map<string, number>();
  const cursor = db.collection<JournalEntry>(JOURNAL)
    .find({ kind: 'distribution', period }, { projection: { postings: 1, 'meta.readerId': 1 } })
    .batchSize(5000);
  for await (const entry of cursor) addCredits(credits, entry);
  return credits;
}

/**
 * Adds a `dist:` entry's credits to `credits`: every posting but the reader's
 * debit of their own wallet (which the write stage applies with the entry).
 * The one definition both the write stage and a resumed apply stage use.
 */
export function addCredits(credits: Map<string, number>, entry: Pick<JournalEntry, 'postings' | 'meta'>): void {
  const wallet = accounts.user(String(entry.meta?.readerId));
  for (const posting of entry.postings) {
    if (posting.account !== wallet) credits.set(posting.account, (credits.get(posting.account) ?? 0) + posting.amount);
  }
}
