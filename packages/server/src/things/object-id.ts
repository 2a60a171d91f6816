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
