import type { ServerContext } from '../context.js';
import { isDuplicateKeyError } from '../errors/index.js';

export const SPENT_SECRETS = 'spent_secrets';

/**
 * Marks a one-time secret (refresh token, authorization code) as spent and
 * tells whether this caller was first. The only primitive that is atomic on
 * both MongoDB and FerretDB 1.24 is a unique key: FerretDB applies a
 * conditional update (`findOneAndUpdate({usedAt: null})`) as read-then-write,
 * so two concurrent callers can both "win" it. An insert under the secret's
 * `_id` cannot succeed twice.
 */
export async function spendOnce(ctx: ServerContext, key: string): Promise<boolean> {
  try {
    await ctx.db.collection<{ _id: string; spentAt: Date }>(SPENT_SECRETS).insertOne({ _id: key, spentAt: ctx.clock.now() });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
