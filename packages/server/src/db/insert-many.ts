import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from '../errors/index.js';

/**
 * Inserts `docs` with one unordered `insertMany` and tells which of them
 * collided with an existing `_id` (or another unique key). Any other failure
 * is thrown. Idempotent writers use it: a duplicate is a document written
 * earlier under the same deterministic key.
 *
 * @returns the indexes (into `docs`) of the duplicates; empty if all were new.
 */
export async function insertManyReportingDuplicates<T extends Document>(
  collection: Collection<T>,
  docs: ReadonlyArray<OptionalUnlessRequiredId<T>>,
): Promise<number[]> {
  if (docs.length === 0) return [];
  try {
    await collection.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false });
    return [];
  } catch (error) {
    const writeErrors = [(error as { writeErrors?: unknown }).writeErrors].flat()
      .filter((e): e is { code?: number; index: number } => typeof e === 'object' && e !== null);
    if (writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000)) return writeErrors.map((e) => e.index);
    // A lone document's duplicate can come without per-document detail.
    if (docs.length === 1 && isDuplicateKeyError(error)) return [0];
    throw error;
  }
}
