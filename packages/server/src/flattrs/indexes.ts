import type { ServerContext } from '../context.js';
import { collections, DISTRIBUTIONS } from '../db/index.js';

/**
 * The unique indexes are rules: one flattr per reader, thing and month, and
 * one flattr per Idempotency-Key (sparse: only clicks that sent one carry
 * it); the others serve listing, distribution and recounts. The click reads
 * through `distributions` (record-flattr.ts, readClick), so it must exist.
 */
export async function ensureFlattrIndexes(ctx: ServerContext): Promise<void> {
  const flattrs = collections.flattrs(ctx.db);
  await flattrs.createIndex({ readerId: 1, thingId: 1, period: 1 }, { unique: true });
  await flattrs.createIndex({ 'idempotency.key': 1 }, { unique: true, sparse: true });
  await flattrs.createIndex({ readerId: 1, period: 1, createdAt: -1 });
  await flattrs.createIndex({ period: 1, readerId: 1 });
  await flattrs.createIndex({ thingId: 1 });
  await ensureCollection(ctx, DISTRIBUTIONS);
}

async function ensureCollection(ctx: ServerContext, name: string): Promise<void> {
  try {
    await ctx.db.createCollection(name);
  } catch (error) {
    // 48 NamespaceExists: another start (or the distribution) created it.
    if ((error as { code?: number }).code !== 48) throw error;
  }
}
