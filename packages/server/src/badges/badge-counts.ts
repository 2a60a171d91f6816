import type { Db } from 'mongodb';
import { collections } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { findThingByUrl, toObjectId } from '../things/index.js';

/** What a badge for a URL shows: the thing's count and title, or 0 and no title before its first flattr. */
export async function thingBadgeFacts(db: Db, url: string): Promise<{ count: number; title: string | null }> {
  // Throws invalid_url (400) for a URL that cannot name a thing.
  const thing = await findThingByUrl(db, url);
  return thing ? { count: Math.max(0, thing.flattrCount ?? 0), title: thing.title || null } : { count: 0, title: null };
}

/**
 * What a creator's badge shows: the flattrs of every thing they own (verified
 * sites only; a claim by name counts for nothing). 404 `creator_not_found`
 * for an id that names no user.
 */
export async function creatorBadgeFacts(db: Db, creatorId: string): Promise<{ count: number }> {
  const _id = toObjectId(creatorId);
  const user = _id && await collections.users(db).findOne({ _id }, { projection: { _id: 1 } });
  if (!_id || !user) throw new NotFoundError(`No creator with id ${creatorId}`, 'creator_not_found');
  const [row] = await collections.things(db)
    .aggregate<{ count: number }>([{ $match: { ownerId: _id } }, { $group: { _id: null, count: { $sum: '$flattrCount' } } }])
    .toArray();
  return { count: Math.max(0, row?.count ?? 0) };
}
