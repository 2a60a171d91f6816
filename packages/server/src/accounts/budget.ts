import type { ServerContext } from '../context.js';
import type { UserDoc } from '../db/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { accounts, assertMinorUnits, balanceOf, JOURNAL, LEASE_MS, periodOf, postEntry, type JournalEntry } from '../money/index.js';
import { toObjectId, users } from './users.js';
import { MAX_BUDGET } from './schemas.js';

/**
 * Sets a reader's monthly budget. The user document holds the current value
 * (what distribution reads); the journal keeps the history as `budget.set`
 * entries without postings (a budget moves no money).
 *
 * History and budget agree because both follow one atomic update: it sets
 * the budget and bumps `budgetVersion`, and with `returnDocument: 'before'`
 * each change learns its own version (and the budget it replaced) exactly,
 * also among concurrent changes. The entry id `budget.set:<user>:<version>`
 * follows from it, so a repeated write is a no-op. A crash between the
 * update and the entry leaves the version without its entry: the next
 * change, once that version is older than the lease, writes it first (it
 * knows that version's budget from the document it replaced). An unchanged
 * budget writes nothing.
 */
export async function setBudget(ctx: ServerContext, userId: string, budget: number): Promise<UserDoc> {
  assertMinorUnits(budget, 'budget');
  if (budget < 0 || budget > MAX_BUDGET) throw new ValidationError(`budget must be between 0 and ${MAX_BUDGET}`);
  const id = toObjectId(userId);
  if (!id) throw new NotFoundError('No such user', 'user_not_found');
  const now = ctx.clock.now();
  const previous = await users(ctx).findOneAndUpdate(
    { _id: id, budget: { $ne: budget } },
    { $set: { budget, budgetSetAt: now }, $inc: { budgetVersion: 1 } },
    { returnDocument: 'before' },
  );
  if (!previous) {
    const user = await users(ctx).findOne({ _id: id });
    if (!user) throw new NotFoundError('No such user', 'user_not_found');
    return user;
  }
  const replaced = previous.budgetVersion ?? 0;
  const replacedAt = (previous as { budgetSetAt?: Date }).budgetSetAt ?? new Date(0);
  // Younger than the lease: its writer is presumed at work (it writes that entry itself).
  if (replaced > 0 && now.getTime() - replacedAt.getTime() > LEASE_MS) await writeMissingChange(ctx, userId, replaced, previous.budget, replacedAt);
  await postEntry(ctx.db, budgetEntry(userId, replaced + 1, budget, previous.budget, now));
  return { ...previous, budget };
}

/** The entry of `version` (whose budget the caller replaced) if a crash kept it from the journal. */
async function writeMissingChange(ctx: ServerContext, userId: string, version: number, budget: number, at: Date): Promise<void> {
  const journal = ctx.db.collection<JournalEntry>(JOURNAL);
  if (await journal.findOne({ _id: budgetEntryId(userId, version) }, { projection: { _id: 1 } })) return;
  const before = version > 1 ? await journal.findOne({ _id: budgetEntryId(userId, version - 1) }, { projection: { meta: 1 } }) : null;
  const previous = version === 1 ? 0 : before ? Number(before.meta?.budget) : null;
  await postEntry(ctx.db, budgetEntry(userId, version, budget, previous, at));
}

function budgetEntry(userId: string, version: number, budget: number, previous: number | null, at: Date) {
  return {
    _id: budgetEntryId(userId, version),
    kind: 'budget.set',
    period: periodOf(at),
    postings: [],
    meta: { userId, budget, previous },
    createdAt: at,
  };
}

function budgetEntryId(userId: string, version: number): string {
  return `budget.set:${userId}:${version}`;
}

export interface BalanceJson {
  currency: string;
  available: number;
  budget: number;
  period: string;
}

export async function balanceFor(ctx: ServerContext, user: UserDoc): Promise<BalanceJson> {
  return {
    currency: ctx.config.currency,
    // Spendable: money a running distribution has reserved is not available.
    available: await balanceOf(ctx.db, accounts.user(user._id.toHexString())),
    budget: user.budget,
    period: periodOf(ctx.clock.now()),
  };
}
