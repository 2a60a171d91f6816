import type { Db } from 'mongodb';
import { collections } from '../db/index.js';
import { AppError } from '../errors/index.js';
import { normalizeUrl } from '../things/index.js';

export const MAX_COUNT_URLS = 100;

export interface Count {
  thingId: string | null;
  count: number;
}

/**
 * Flattr counts for a page's buttons, keyed by each URL exactly as sent (so
 * the widget finds its answer without normalising). One query for the batch,
 * by the unique `url` index. A URL that cannot name a thing counts 0 rather
 * than failing the whole batch. Counts are as stored: each click's `$inc`
 * is written before its answer.
 */
export async function countsFor(db: Db, urls: string[]): Promise<Record<string, Count>> {
  if (urls.length > MAX_COUNT_URLS) {
    throw new AppError(400, 'too_many_urls', `At most ${MAX_COUNT_URLS} URLs per request, got ${urls.length}`);
  }
  const canonical = new Map<string, string | null>();
  for (const url of urls) canonical.set(url, tryNormalize(url));
  const wanted = [...new Set([...canonical.values()].filter((u): u is string => u !== null))];
  const things = wanted.length
    ? await collections.things(db).find({ url: { $in: wanted } }, { projection: { url: 1, flattrCount: 1 } }).toArray()
    : [];
  const byUrl = new Map(things.map((thing) => [thing.url, thing]));
  const counts: Record<string, Count> = {};
  for (const [sent, url] of canonical) {
    const thing = url === null ? undefined : byUrl.get(url);
    counts[sent] = thing ? { thingId: thing._id.toHexString(), count: Math.max(0, thing.flattrCount ?? 0) } : { thingId: null, count: 0 };
  }
  return counts;
}

function tryNormalize(url: string): string | null {
  try {
    return normalizeUrl(url);
  } catch {
    return null;
  }
}
