import { ObjectId, type Db } from 'mongodb';
import type { ServerContext } from '../context.js';
import { insertManyReportingDuplicates } from '../db/insert-many.js';
import { ConflictError } from '../errors/index.js';
import { verifyLedger, type LedgerReport } from '../ledger/index.js';
import { balances, JOURNAL, repairBalances, reserveMany, totalOf, type BalanceDoc, type JournalEntry } from '../money/index.js';
import { materializeSubscriptions } from '../subscriptions/index.js';
import { report, save, type StageFn } from './run-context.js';
import { snapshots, type SnapshotDoc } from './run-doc.js';
import { walletsWithBudget } from './sources.js';

/**
 * Checks the ledger (finishing interrupted journal writers it finds), turns
 * subscriptions into the period's flattrs, fixes `snapshotAt`, then RESERVES
 * the contribution of every user who can pay (`min(budget, spendable)`,
 * moved to `reserved.<period>` of the wallet by a guarded update) and records
 * it in `distribution_snapshots`, before any money of the run moves. From
 * the reservation on, a payout cannot take that money (docs/money.md).
 */
export const snapshotStage: StageFn = async (ctx, run, options) => {
  const period = run._id;
  if (!run.ledgerBefore) {
    run.ledgerBefore = await checkLedgerBefore(ctx);
    await save(ctx, run, { ledgerBefore: run.ledgerBefore });
  }
  if (!run.snapshotAt) {
    // Subscriptions become this period's flattrs first, so the snapshot includes them.
    await materializeSubscriptions(ctx, period);
    run.snapshotAt = ctx.clock.now();
    await save(ctx, run, { snapshotAt: run.snapshotAt });
  }
  await reserveFunds(ctx, run, options);
  return 'write';
};

/**
 * The ledger check before a run: finishes interrupted writers it finds, and
 * refuses (409 `ledger_mismatch`) when cached balances disagree with the
 * journal: the run reads the cached balances, so it would distribute money
 * the journal does not hold (or hold back money it does). The check reads
 * the journal and then the balances, so live writers (payouts, deposits)
 * show as mismatches for a moment: each mismatched account is confirmed by
 * `confirmMismatch` before the run is refused.
 */
export async function checkLedgerBefore(ctx: ServerContext): Promise<LedgerReport> {
  let ledger = await verifyLedger(ctx);
  // Only work whose lease ran out is the repair's (live writers finish their own): repair when the check saw such.
  const stale = ledger.violations.some((v) => v.kind === 'entry_pending' || v.kind === 'debit_pending');
  if (stale && (await repairBalances(ctx.db)) > 0) ledger = await verifyLedger(ctx);
  const confirmed: Array<{ kind: 'balance_mismatch'; account: string; cached: number; journal: number }> = [];
  for (const v of ledger.violations) {
    if (v.kind !== 'balance_mismatch' || confirmed.length >= 10) continue;
    const found = await confirmMismatch(ctx.db, v.account);
    if (found) confirmed.push({ kind: 'balance_mismatch', account: v.account, ...found });
  }
  if (confirmed.length > 0) {
    const first = confirmed[0]!;
    throw new ConflictError(
      `the ledger check before the run found ${confirmed.length} cached balance(s) that differ from the journal (${first.account}: cached ${first.cached}, journal ${first.journal}); `
      + 'once no other distribution is running, rebuild them with flattr-server ledger rebuild (docs/cli.md), then start the run again',
      'ledger_mismatch',
      { violations: confirmed },
    );
  }
  return ledger;
}

/**
 * One account compared with the journal at one moment: its document read
 * before and after the account's journal entries, and compared only if it
 * did not change in between (every writer changes the document after, or
 * for a guarded debit before, the entry's insert; markers and intents say
 * which postings it carries, as in `verifyLedger`). A document that keeps
 * changing (a live writer each time) is not confirmed.
 * @returns the disagreement, or null if there is none (or it was a writer at work).
 */
async function confirmMismatch(db: Db, account: string): Promise<{ cached: number; journal: number } | null> {
  const journal = db.collection<JournalEntry>(JOURNAL);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await balances(db).findOne({ _id: account });
    let cached = before ? totalOf(before) : 0;
    let total = 0;
    const tokens = new Map<string, string | undefined>();
    for await (const entry of journal.find({ 'postings.account': account }, { projection: { postings: 1, state: 1, debitToken: 1 } })) {
      const amount = entry.postings.find((p) => p.account === account)?.amount ?? 0;
      total += amount;
      tokens.set(entry._id, entry.debitToken);
      if (entry.state !== 'pending') continue;
      const carried = (before?.applying ?? []).includes(entry._id)
        || (before?.intents ?? []).some((i) => i.id === entry._id && i.token === entry.debitToken);
      if (!carried) cached += amount;
    }
    // A guarded debit whose entry the journal does not hold (yet) is in flight: the journal does not count it.
    for (const intent of before?.intents ?? []) {
      if (!tokens.has(intent.id) || tokens.get(intent.id) !== intent.token) cached -= intent.amount;
    }
    const after = await balances(db).findOne({ _id: account });
    if (JSON.stringify(before) !== JSON.stringify(after)) continue;
    return cached === total ? null : { cached, journal: total };
  }
  return null;
}

async function reserveFunds(ctx: ServerContext, run: Parameters<StageFn>[1], options: Parameters<StageFn>[2]): Promise<void> {
  const period = run._id;
  let batch: Array<{ userId: string; budget: number; wallet: BalanceDoc }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const reserved = await reserveMany(ctx.db, period, batch.map((b) => ({ account: b.wallet._id, budget: b.budget, seen: b.wallet })));
    const docs: SnapshotDoc[] = [];
    for (const { userId, budget, wallet } of batch) {
      const contribution = reserved.get(wallet._id) ?? 0;
      if (contribution === 0) continue;
      docs.push({
        _id: `${period}:${userId}`, period, userId: ObjectId.createFromHexString(userId), budget,
        available: wallet.amount + (wallet.reserved?.[period] ?? 0), contribution,
      });
    }
    // A doc written before a crash stays as it was: the reservation it records is the same.
    await insertManyReportingDuplicates(snapshots(ctx.db), docs);
    run.checkpoint.snapshotUserId = batch[batch.length - 1]!.userId;
    run.progress.usersSnapshotted += docs.length;
    await save(ctx, run, { 'checkpoint.snapshotUserId': run.checkpoint.snapshotUserId, 'progress.usersSnapshotted': run.progress.usersSnapshotted });
    report(run, options);
    batch = [];
  };
  for await (const funded of walletsWithBudget(ctx.db, run.checkpoint.snapshotUserId, period)) {
    if (funded.wallet.amount <= 0 && funded.wallet.reserved?.[period] === undefined) continue;
    batch.push(funded);
    if (batch.length >= 2000) await flush();
  }
  await flush();
}
