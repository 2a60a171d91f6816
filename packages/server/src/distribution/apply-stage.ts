import type { Db } from 'mongodb';
import { accounts, applyManyOnce, JOURNAL, type JournalEntry } from '../money/index.js';
import { report, save, type StageFn } from './run-context.js';

/** The marker a run's credits carry on the accounts they were applied to, until the run finalizes. */
export function runMarker(period: string): string {
  return `run:${period}`;
}

/**
 * Applies the run's credits to the cached balances: one `$inc` per credited
 * account (creators, `platform:fees`, `escrow:<thing>`) carrying the sum of
 * its credits over all of the period's `dist:` entries, with the marker
 * `run:<period>`, so an account credited before a crash is not credited
 * again (`applyManyOnce`). The stage can be run again at any moment.
 */
export const applyStage: StageFn = async (ctx, run, options, memory) => {
  const period = run._id;
  const credits = [...(memory.credits ?? (await creditsFromJournal(ctx.db, period)))]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 0; i < credits.length; i += 2000) {
    await applyManyOnce(ctx.db, credits.slice(i, i + 2000), runMarker(period));
    run.progress.accountsCredited = Math.min(credits.length, i + 2000);
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
 * debit of their own wallet (which the write stage settles from the
 * reservation with the entry). The one definition both the write stage and
 * a resumed apply stage use.
 */
export function addCredits(credits: Map<string, number>, entry: Pick<JournalEntry, 'postings' | 'meta'>): void {
  const wallet = accounts.user(String(entry.meta?.readerId));
  for (const posting of entry.postings) {
    if (posting.account !== wallet) credits.set(posting.account, (credits.get(posting.account) ?? 0) + posting.amount);
  }
}
