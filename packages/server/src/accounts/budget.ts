import type { ServerContext } from '../context.js';
import type { UserDoc } from '../db/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { accounts, assertMinorUnits, balanceOf, periodOf, postEntry } from '../money/index.js';
import { toObjectId, users } from './users.js';
import { MAX_BUDGET } from './schemas.js';

/**
 * Sets a reader's monthly budget. The user document holds the current value
 * (what distribution reads); the journal keeps the history as `budget.set`
 * entries without postings (a budget moves no money). Each change takes the
 * next `budgetVersion` atomically, and the entry id `budget.set:<user>:<version>`
 * follows from it, so concurrent changes each get their own entry and a
 * repeated write of one entry is a no-op. An unchanged budget writes nothing.
 */
export async function setBudget(ctx: ServerContext, userId: string, budget: number): Promise<UserDoc> {
  assertMinorUnits(budget, 'budget');
  if (budget < 0 || budget > MAX_BUDGET) throw new ValidationError(`budget must be between 0 and ${MAX_BUDGET}`);
  const id = toObjectId(userId);
  if (!id) throw new NotFoundError('No such user', 'user_not_found');
  const previous = await users(ctx).findOneAndUpdate(
    { _id: id, budget: { $ne: budget } },
    { $set: { budget }, $inc: { budgetVersion: 1 } },
    { returnDocument: 'before' },
  );
  if (!previous) {
    const user = await users(ctx).findOne({ _id: id });
    if (!user) throw new NotFoundError('No such user', 'user_not_found');
    return user;
  }
  const version = (previous.budgetVersion ?? 0) + 1;
  const now = ctx.clock.now();
  await postEntry(ctx.db, {
    _id: `budget.set:${userId}:${version}`,
    kind: 'budget.set',
    period: periodOf(now),
    postings: [],
    meta: { userId, budget, previous: previous.budget },
    createdAt: now,
  });
  return { ...previous, budget };
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
    available: await balanceOf(ctx.db, accounts.user(user._id.toHexString())),
    budget: user.budget,
    period: periodOf(ctx.clock.now()),
  };
}
