import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { cachedBalances, JOURNAL } from '../money/index.js';

/**
 * The ledger as lines, to compare two databases that distributed the same data: the journal (sorted,
 * without timestamps, state or a debit's random token), the balances and the escrow documents.
 */
export async function ledgerLines(db: Db): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of db.collection(JOURNAL).find({}, { projection: { createdAt: 0, state: 0, debitToken: 0, leaseUntil: 0 } }).sort({ _id: 1 })) lines.push(JSON.stringify(e));
  for await (const doc of cachedBalances(db)) {
    // Empty leftovers of finished work (cleared markers, settled reservations) are no difference.
    const reserved = Object.entries(doc.reserved ?? {});
    lines.push(JSON.stringify([doc._id, doc.amount, reserved, doc.applying ?? [], (doc.intents ?? []).map((i) => i.id)]));
  }
  for await (const d of db.collection('escrow').find({}, { projection: { claimedAt: 0, settledAt: 0 } }).sort({ _id: 1 })) lines.push(JSON.stringify(d));
  return lines;
}

export async function ledgerHash(db: Db): Promise<string> {
  return createHash('sha256').update((await ledgerLines(db)).join('\n')).digest('hex');
}

/** What differs between two ledgers (a few lines each way), for a failure message. */
export async function ledgerDiff(a: Db, b: Db): Promise<string> {
  const [left, right] = [new Set(await ledgerLines(a)), new Set(await ledgerLines(b))];
  const only = (x: Set<string>, y: Set<string>) => [...x].filter((l) => !y.has(l)).slice(0, 5).join('\n  ');
  return `only in ${a.databaseName}:\n  ${only(left, right)}\nonly in ${b.databaseName}:\n  ${only(right, left)}`;
}
