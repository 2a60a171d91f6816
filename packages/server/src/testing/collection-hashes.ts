import { createHash } from 'node:crypto';
import { BSON, type Db } from 'mongodb';

/** One hash per collection of `db` (documents in `_id` order, as canonical Extended JSON) and how many documents each holds. */
export type CollectionHashes = Record<string, { count: number; hash: string }>;

/**
 * Fingerprints every collection of a database, to prove that requests wrote
 * nothing: take hashes before and after, and compare with `changedCollections`.
 * `exclude` names collections that may change legitimately (say why where it is called).
 */
export async function collectionHashes(db: Db, options: { exclude?: string[] } = {}): Promise<CollectionHashes> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((name) => !name.startsWith('system.') && !(options.exclude ?? []).includes(name))
    .sort();
  const hashes: CollectionHashes = {};
  for (const name of names) hashes[name] = await collectionHash(db, name);
  return hashes;
}

/** One collection's fingerprint (an absent collection: 0 documents, the hash of nothing). */
export async function collectionHash(db: Db, name: string): Promise<{ count: number; hash: string }> {
  const hash = createHash('sha256');
  let count = 0;
  for await (const doc of db.collection(name).find({}).sort({ _id: 1 })) {
    hash.update(BSON.EJSON.stringify(doc, { relaxed: false }));
    hash.update('\n');
    count += 1;
  }
  return { count, hash: hash.digest('hex') };
}

/** The collections whose content differs between two fingerprints, with their document counts before → after. */
export function changedCollections(before: CollectionHashes, after: CollectionHashes): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].sort()
    .filter((name) => before[name]?.hash !== after[name]?.hash)
    .map((name) => `${name} (${before[name]?.count ?? 'absent'} → ${after[name]?.count ?? 'absent'} documents)`);
}
