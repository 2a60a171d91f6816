import type { Db, ObjectId } from 'mongodb';
import type { Role } from '../http/auth-context.js';

/**
 * The documents shared between concerns. A concern that owns a collection
 * alone (keys, refresh tokens, runs…) declares its document type in its own folder.
 */
export interface UserDoc {
  _id: ObjectId;
  /** Lower-cased; unique index. */
  email: string;
  name: string;
  passwordHash: string;
  roles: Role[];
  /** Monthly budget in minor units. */
  budget: number;
  createdAt: Date;
  /** When the user proved the address (the link of the verification email); absent or null: unverified. */
  emailVerifiedAt?: Date | null;
  /** The language of emails to the user (`en`, `de`, `sv`, `fr`, `es`); from the signup's Accept-Language. */
  language?: string;
}

export interface ThingDoc {
  _id: ObjectId;
  /** Normalised canonical URL (things/normalize-url.ts); unique index. */
  url: string;
  /** Lower-case host of `url`, for site ownership. */
  host: string;
  title: string;
  description?: string;
  tags: string[];
  language?: string;
  /** Verified owner, or null: shares then wait in escrow. */
  ownerId: ObjectId | null;
  /** The button's `creator` attribute: a claim only, never ownership. */
  claimedCreator: string | null;
  /** All-time number of flattrs (one per reader per period); `$inc` on record, `$inc -1` on withdraw. */
  flattrCount: number;
  createdAt: Date;
}

export interface FlattrDoc {
  _id: ObjectId;
  readerId: ObjectId;
  thingId: ObjectId;
  /** `YYYY-MM` the server recorded the click in. Unique index (readerId, thingId, period). */
  period: string;
  createdAt: Date;
  /** A click, or a month covered by a "flattr every month" subscription. */
  source: 'click' | 'subscription';
}

export const collections = {
  users: (db: Db) => db.collection<UserDoc>('users'),
  things: (db: Db) => db.collection<ThingDoc>('things'),
  flattrs: (db: Db) => db.collection<FlattrDoc>('flattrs'),
};

/** Name of the distribution runs collection (`_id` = period); other concerns check it to refuse late edits. */
export const DISTRIBUTIONS = 'distributions';
