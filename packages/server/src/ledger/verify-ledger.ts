import type { Db } from 'mongodb';
import type { ServerContext } from '../context.js';
import { DISTRIBUTIONS } from '../db/index.js';
import { cachedBalances, JOURNAL, LEASE_MS, mayBeNegative, totalOf, type JournalEntry } from '../money/index.js';
import { decodeShares, type Share } from '../distribution/compute-shares.js';
import { ESCROW, type EscrowView } from '../sites/index.js';

export type LedgerViolation =
  | { kind: 'entry_unbalanced'; entryId: string; sum: number }
  | { kind: 'entry_pending'; entryId: string; since: string }
  | { kind: 'period_unbalanced'; period: string; detail: string }
  | { kind: 'negative_balance'; account: string; balance: number }
  | { kind: 'balance_mismatch'; account: string; cached: number; journal: number }
  | { kind: 'debit_pending'; account: string; entryId: string; since: string }
  | { kind: 'reservation_stale'; account: string; period: string; amount: number }
  | { kind: 'escrow_mismatch'; detail: string }
  | { kind: 'debt_positive'; account: string; balance: number }
  | { kind: 'reversal_exceeds_deposit'; depositEntryId: string; deposited: number; reversed: number };

export interface PeriodTotals {
  contributed: number;
  toCreators: number;
  fees: number;
  toEscrow: number;
}

export interface LedgerReport {
  ok: boolean;
  checkedAt: string;
  entries: number;
  /** Entries still `pending`, and guarded debits whose entry is not in the journal yet (an interrupted or a working writer), whatever their age. */
  pendingEntries: number;
  accounts: number;
  /** Distribution totals per period, rebuilt from the `dist:` entries. */
  periods: Record<string, PeriodTotals>;
  violationCount: number;
  /** The first violations found (at most MAX_LISTED; `violationCount` counts all). */
  violations: LedgerViolation[];
  /** What readers owe (refunds and disputes that took more than their wallets held): accounts below zero and their total. */
  debts: { accounts: number; owed: number };
}

const MAX_LISTED = 100;

/**
 * Proves the ledger's invariants without writing anything: every entry sums
 * to zero; per period, contributions = creators' shares + fees + escrow; no
 * account that may not be negative is below zero; cached balances (spendable
 * plus reserved, plus guarded debits whose entry is not in the journal yet)
 * equal the balances rebuilt from the journal; no reservation outlives its
 * run; escrow documents add up to the escrow the journal holds. One pass over
 * each collection; memory grows with the number of accounts (the rebuilt
 * balances), not with the journal.
 */
export async function verifyLedger(ctx: Pick<ServerContext, 'db'>): Promise<LedgerReport> {
  const db = ctx.db;
  const violations: LedgerViolation[] = [];
  let violationCount = 0;
  const report = (v: LedgerViolation) => {
    violationCount += 1;
    if (violations.length < MAX_LISTED) violations.push(v);
  };

  const periods: Record<string, PeriodTotals> = {};
  const escrowCredited = new Map<string, number>();
  // Every account's balance rebuilt from the journal, in the same single pass as the entry checks.
  const rebuilt = new Map<string, number>();
  // Postings of pending entries, per account: a writer at work may not have applied them yet.
  const pendingPostings = new Map<string, Array<{ entryId: string; amount: number; debitToken?: string }>>();
  let escrowSettled = 0;
  // Per deposit with refunds or disputes: reversed minus reinstated (a small map: only deposits that were reversed).
  const reversedPerDeposit = new Map<string, number>();
  let entries = 0;
  let pendingEntries = 0;
  const now = Date.now();
  for await (const entry of db.collection<JournalEntry>(JOURNAL).find({}, { batchSize: 1000 })) {
    entries += 1;
    let sum = 0;
    let integral = true;
    for (const p of entry.postings) {
      if (!Number.isSafeInteger(p.amount)) integral = false;
      sum += p.amount;
      rebuilt.set(p.account, (rebuilt.get(p.account) ?? 0) + p.amount);
    }
    if (!integral || sum !== 0) report({ kind: 'entry_unbalanced', entryId: entry._id, sum });
    if (entry.state === 'pending') {
      pendingEntries += 1;
      for (const p of entry.postings) {
        const list = pendingPostings.get(p.account) ?? [];
        list.push({ entryId: entry._id, amount: p.amount, debitToken: entry.debitToken });
        pendingPostings.set(p.account, list);
      }
      // A pending entry whose lease lasts is a writer at work, not an interrupted one. The lease, not
      // `createdAt`: a writer may date its entry earlier than it writes it (and a repair renews the lease).
      const leaseEnds = entry.leaseUntil ? new Date(entry.leaseUntil).getTime() : new Date(entry.createdAt).getTime() + LEASE_MS;
      if (now > leaseEnds) {
        report({ kind: 'entry_pending', entryId: entry._id, since: new Date(entry.createdAt).toISOString() });
      }
    }
    if (entry.kind === 'distribution' && entry.period) {
      checkDistributionEntry(entry, periods, escrowCredited, report);
    } else if (entry.meta && typeof entry.meta.depositEntryId === 'string' && ['refund', 'dispute', 'refund.failed', 'dispute.won'].includes(entry.kind)) {
      const sign = entry.kind === 'refund' || entry.kind === 'dispute' ? 1 : -1;
      const amount = entry.postings.find((p) => p.account === 'external:deposits')?.amount ?? 0;
      reversedPerDeposit.set(entry.meta.depositEntryId, (reversedPerDeposit.get(entry.meta.depositEntryId) ?? 0) + sign * Math.abs(amount));
    } else if (entry.kind === 'escrow.release' || entry.kind === 'escrow.return') {
      escrowSettled += -(entry.postings.find((p) => p.account.startsWith('escrow:'))?.amount ?? 0);
    }
  }

  const accounts = await compareBalances(db, rebuilt, pendingPostings, report);
  pendingEntries += accounts.debitsInFlight;

  // A deposit cannot give back more than it brought in.
  const reversedIds = [...reversedPerDeposit.keys()];
  for (let i = 0; i < reversedIds.length; i += 500) {
    for await (const deposit of db.collection<JournalEntry>(JOURNAL).find({ _id: { $in: reversedIds.slice(i, i + 500) } }, { projection: { postings: 1 } })) {
      const deposited = -(deposit.postings.find((p) => p.account === 'external:deposits')?.amount ?? 0);
      const reversed = reversedPerDeposit.get(deposit._id)!;
      if (reversed > deposited || reversed < 0) report({ kind: 'reversal_exceeds_deposit', depositEntryId: deposit._id, deposited, reversed });
      reversedPerDeposit.delete(deposit._id);
    }
  }
  for (const [depositEntryId, reversed] of reversedPerDeposit) report({ kind: 'reversal_exceeds_deposit', depositEntryId, deposited: 0, reversed });

  // Escrow documents: per period they add up to what the dist: entries put in escrow, and
  // all escrow accounts together hold what the documents hold minus what was settled.
  const docsPerPeriod = new Map<string, number>();
  let docsTotal = 0;
  for await (const doc of db.collection<EscrowView>(ESCROW).find({}, { projection: { period: 1, amount: 1 }, batchSize: 5000 })) {
    docsPerPeriod.set(doc.period, (docsPerPeriod.get(doc.period) ?? 0) + doc.amount);
    docsTotal += doc.amount;
  }
  for (const period of new Set([...docsPerPeriod.keys(), ...escrowCredited.keys()])) {
    const docs = docsPerPeriod.get(period) ?? 0;
    const credited = escrowCredited.get(period) ?? 0;
    if (docs !== credited) report({ kind: 'escrow_mismatch', detail: `${period}: escrow documents hold ${docs}, distribution entries put ${credited} in escrow` });
  }
  if (accounts.escrowTotal !== docsTotal - escrowSettled) {
    report({ kind: 'escrow_mismatch', detail: `escrow accounts hold ${accounts.escrowTotal}, documents ${docsTotal} minus settled ${escrowSettled}` });
  }

  return {
    ok: violationCount === 0,
    checkedAt: new Date().toISOString(),
    entries,
    pendingEntries,
    accounts: accounts.count,
    periods,
    violationCount,
    violations,
    debts: accounts.debts,
  };
}

function checkDistributionEntry(
  entry: JournalEntry,
  periods: Record<string, PeriodTotals>,
  escrowCredited: Map<string, number>,
  report: (v: LedgerViolation) => void,
): void {
  const period = entry.period!;
  const meta = (entry.meta ?? {}) as { readerId?: string; contribution?: number; shares?: unknown };
  const readerAccount = `user:${meta.readerId}`;
  let contributed = 0;
  let toCreators = 0;
  let fees = 0;
  let toEscrow = 0;
  for (const p of entry.postings) {
    if (p.account === readerAccount) contributed += -p.amount;
    else if (p.account === 'platform:fees') fees += p.amount;
    else if (p.account.startsWith('escrow:')) toEscrow += p.amount;
    else if (p.account.startsWith('user:')) toCreators += p.amount;
    else report({ kind: 'period_unbalanced', period, detail: `${entry._id} posts to ${p.account}` });
  }
  const totals = (periods[period] ??= { contributed: 0, toCreators: 0, fees: 0, toEscrow: 0 });
  totals.contributed += contributed;
  totals.toCreators += toCreators;
  totals.fees += fees;
  totals.toEscrow += toEscrow;
  escrowCredited.set(period, (escrowCredited.get(period) ?? 0) + toEscrow);
  if (contributed !== toCreators + fees + toEscrow) {
    report({ kind: 'period_unbalanced', period, detail: `${entry._id}: contribution ${contributed} ≠ creators ${toCreators} + fees ${fees} + escrow ${toEscrow}` });
  }
  let shares: Share[];
  try {
    shares = decodeShares(meta.shares ?? []);
  } catch (error) {
    report({ kind: 'period_unbalanced', period, detail: `${entry._id}: ${(error as Error).message}` });
    return;
  }
  const sharesTotal = shares.reduce((s, x) => s + x.amount, 0);
  const sharesFees = shares.reduce((s, x) => s + x.fee, 0);
  const sharesEscrow = shares.filter((x) => x.ownerId === null).reduce((s, x) => s + x.amount, 0);
  if (sharesTotal !== contributed || sharesFees !== fees || sharesEscrow !== toEscrow || meta.contribution !== contributed) {
    report({ kind: 'period_unbalanced', period, detail: `${entry._id}: recorded shares disagree with its postings` });
  }
}

/**
 * Walks the cached balance documents and compares each with the balance
 * rebuilt from the journal (summed in a map during the one journal pass,
 * about 100 bytes per account). A document's total is its spendable amount
 * plus its reservations; a guarded debit whose entry is not in the journal
 * (yet) is added back, and counted as in flight; a posting of a pending entry
 * that the account does not carry yet (no marker, no intent) is counted as
 * not applied. Reads of a journal and balances that change meanwhile can
 * still disagree for a moment: run the check again before acting on a
 * mismatch of an account that was being written.
 */
async function compareBalances(
  db: Db,
  rebuilt: Map<string, number>,
  pendingPostings: Map<string, Array<{ entryId: string; amount: number; debitToken?: string }>>,
  report: (v: LedgerViolation) => void,
): Promise<{ count: number; escrowTotal: number; debitsInFlight: number; debts: { accounts: number; owed: number } }> {
  const debts = { accounts: 0, owed: 0 };
  let count = 0;
  let escrowTotal = 0;
  let debitsInFlight = 0;
  const now = Date.now();
  const finishedRuns = new Set((await db.collection(DISTRIBUTIONS).find({ status: 'done' }, { projection: { _id: 1 } }).toArray()).map((r) => String(r._id)));
  const check = (account: string, cachedAmount: number, journal: number) => {
    count += 1;
    if (account.startsWith('escrow:')) escrowTotal += journal;
    if (cachedAmount !== journal) report({ kind: 'balance_mismatch', account, cached: cachedAmount, journal });
    if (journal < 0 && !mayBeNegative(account)) report({ kind: 'negative_balance', account, balance: journal });
    if (account.startsWith('debt:')) {
      if (journal > 0) report({ kind: 'debt_positive', account, balance: journal });
      if (journal < 0) {
        debts.accounts += 1;
        debts.owed -= journal;
      }
    }
  };
  const journal = db.collection<JournalEntry>(JOURNAL);
  for await (const doc of cachedBalances(db)) {
    let cached = totalOf(doc);
    for (const intent of doc.intents ?? []) {
      const entry = await journal.findOne({ _id: intent.id }, { projection: { debitToken: 1 } });
      if (entry?.debitToken === intent.token) continue;
      cached -= intent.amount;
      debitsInFlight += 1;
      if (now - new Date(intent.at).getTime() > LEASE_MS) {
        report({ kind: 'debit_pending', account: doc._id, entryId: intent.id, since: new Date(intent.at).toISOString() });
      }
    }
    for (const p of pendingPostings.get(doc._id) ?? []) {
      const applied = (doc.applying ?? []).includes(p.entryId)
        || (doc.intents ?? []).some((i) => i.id === p.entryId && i.token === p.debitToken);
      if (!applied) cached += p.amount;
    }
    pendingPostings.delete(doc._id);
    for (const [period, amount] of Object.entries(doc.reserved ?? {})) {
      if (finishedRuns.has(period) || !Number.isSafeInteger(amount) || amount < 0) report({ kind: 'reservation_stale', account: doc._id, period, amount });
    }
    if (doc.amount < 0 && !mayBeNegative(doc._id)) report({ kind: 'negative_balance', account: doc._id, balance: doc.amount });
    check(doc._id, cached, rebuilt.get(doc._id) ?? 0);
    rebuilt.delete(doc._id);
  }
  // Accounts the journal moved but that have no cached balance at all (yet: postings of pending entries).
  for (const [account, amount] of [...rebuilt].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const unapplied = (pendingPostings.get(account) ?? []).reduce((sum, p) => sum + p.amount, 0);
    check(account, unapplied, amount);
  }
  return { count, escrowTotal, debitsInFlight, debts };
}
