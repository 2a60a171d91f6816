import { MongoServerError, type Collection, type Document } from 'mongodb';

/** IndexOptionsConflict, IndexKeySpecsConflict: an index of that name exists with other options. */
const INDEX_CONFLICT_CODES = new Set([85, 86]);

/**
 * A TTL index on a date field: MongoDB deletes a document about a minute after
 * `field` + `expireAfterSeconds`. Databases written by earlier versions hold a
 * plain index of the same name (`<field>_1`), which MongoDB refuses to change
 * by createIndex, so that one is dropped and created again with the TTL.
 */
export async function ensureTtlIndex<T extends Document>(collection: Collection<T>, field: string, expireAfterSeconds: number): Promise<void> {
  const spec = { [field]: 1 } as const;
  try {
    await collection.createIndex(spec, { expireAfterSeconds });
  } catch (error) {
    if (!(error instanceof MongoServerError) || !INDEX_CONFLICT_CODES.has(error.code as number)) throw error;
    // Another instance starting at the same moment may have dropped it first (IndexNotFound).
    await collection.dropIndex(`${field}_1`).catch((dropError) => {
      if (!(dropError instanceof MongoServerError) || dropError.code !== 27) throw dropError;
    });
    await collection.createIndex(spec, { expireAfterSeconds });
  }
}
