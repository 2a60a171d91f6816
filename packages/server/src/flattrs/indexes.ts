import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';

/** The unique index is the rule "one flattr per reader, thing and month"; the others serve listing, distribution and recounts. */
export async function ensureFlattrIndexes(ctx: ServerContext): Promise<void> {
  const flattrs = collections.flattrs(ctx.db);
  await flattrs.createIndex({ readerId: 1, thingId: 1, period: 1 }, { unique: true });
  await flattrs.createIndex({ readerId: 1, period: 1, createdAt: -1 });
  await flattrs.createIndex({ period: 1, readerId: 1 });
  await flattrs.createIndex({ thingId: 1 });
}
