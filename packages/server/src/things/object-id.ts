import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';

const HEX_ID = /^[0-9a-fA-F]{24}$/;

/**
 * The ObjectId a path or body names, or null when the string cannot be one.
 * (`ObjectId.isValid` also accepts any 12-character string, hence the pattern.)
 * Callers answer null with 404: an id that cannot exist names nothing.
 */
export function toObjectId(value: unknown): ObjectId | null {
  return typeof value === 'string' && HEX_ID.test(value) ? ObjectId.createFromHexString(value) : null;
}

/**
 * An ObjectId derived from what a document is (e.g. a thing's URL), not from
 * when it was made. Finding or creating it is then an `_id` lookup (the click
 * path reads only by `_id` or a unique key), and concurrent creators collide
 * on `_id`.
 * 96 bits of sha256: collisions are not a practical concern. Such ids carry
 * no creation time: documents keep a `createdAt` of their own.
 */
export function derivedObjectId(...parts: string[]): ObjectId {
  return new ObjectId(createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 12));
}

/** The id of the thing with this normalised URL (things created by other code may have another; see findThingByUrl). */
export function thingIdFor(normalizedUrl: string): ObjectId {
  return derivedObjectId('thing', normalizedUrl);
}
