import { ObjectId, type Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections, type UserDoc } from '../db/index.js';
import { ConflictError, NotFoundError, UnprocessableError, isDuplicateKeyError } from '../errors/index.js';
import type { Role, Scope } from '../http/auth-context.js';
import { hashPassword } from '../auth/passwords.js';

/** The `User` object of the API (docs/api.md). */
export interface UserJson {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  budget: number;
  currency: string;
  createdAt: string;
  emailVerified: boolean;
  language: string;
}

/** The user document plus fields only this concern reads. */
export interface StoredUser extends UserDoc {
  /** Incremented on every budget change; names the `budget.set` journal entry. */
  budgetVersion?: number;
}

export const ROLES: readonly Role[] = ['reader', 'creator', 'admin'];

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function users(ctx: Pick<ServerContext, 'db'>) {
  return collections.users(ctx.db) as unknown as Collection<StoredUser>;
}

export function toUserJson(ctx: ServerContext, user: UserDoc): UserJson {
  return {
    id: user._id.toHexString(),
    email: user.email,
    name: user.name,
    roles: user.roles,
    budget: user.budget,
    currency: ctx.config.currency,
    createdAt: user.createdAt.toISOString(),
    emailVerified: user.emailVerifiedAt instanceof Date,
    language: user.language ?? 'en',
  };
}

/** Every scope a user's roles allow: everyone may read, flattr and register things; admins also administer. */
export function scopesForRoles(roles: readonly Role[]): Scope[] {
  const scopes: Scope[] = ['read', 'flattr', 'things'];
  if (roles.includes('admin')) scopes.push('admin');
  return scopes;
}

export function isAdminEmail(ctx: ServerContext, email: string): boolean {
  return ctx.config.adminEmails.includes(normalizeEmail(email));
}

/** The password hash of an account whose signup is still hashing its password: matches no password. */
const RESERVED = 'reserved';
/** A reservation older than this is a signup that crashed between its two writes: it may be taken over. */
const STALE_RESERVATION_MS = 10 * 60_000;

/**
 * Creates an account. The unique index on the lower-cased email is the only
 * guard against doubles: any number of parallel signups give one account,
 * the others a 409 `email_taken`. The email is reserved first and the
 * (deliberately slow) password hash computed after, so losing signups answer
 * at once instead of each burning a scrypt run.
 */
export async function createUser(
  ctx: ServerContext,
  input: { email: string; password: string; name?: string; roles?: Role[]; language?: string },
): Promise<UserDoc> {
  const email = normalizeEmail(input.email);
  const roles = new Set<Role>(['reader', ...(input.roles ?? [])]);
  if (isAdminEmail(ctx, email)) roles.add('admin');
  const doc: StoredUser = {
    _id: new ObjectId(),
    email,
    name: input.name?.trim() || email.split('@')[0]!,
    passwordHash: RESERVED,
    roles: ROLES.filter((r) => roles.has(r)),
    budget: 0,
    createdAt: ctx.clock.now(),
    budgetVersion: 0,
    emailVerifiedAt: null,
    ...(input.language ? { language: input.language } : {}),
  };
  await reserveEmail(ctx, doc);
  doc.passwordHash = await hashPassword(input.password);
  await users(ctx).updateOne({ _id: doc._id }, { $set: { passwordHash: doc.passwordHash } });
  return doc;
}

async function reserveEmail(ctx: ServerContext, doc: StoredUser): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await users(ctx).insertOne(doc);
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await users(ctx).findOne({ email: doc.email });
    const stale = existing?.passwordHash === RESERVED
      && ctx.clock.now().getTime() - existing.createdAt.getTime() > STALE_RESERVATION_MS;
    if (!stale || attempt > 0) throw new ConflictError('An account with this email exists', 'email_taken');
    await users(ctx).deleteOne({ _id: existing._id, passwordHash: RESERVED });
  }
}

export async function findUserByEmail(ctx: ServerContext, email: string): Promise<UserDoc | null> {
  return users(ctx).findOne({ email: normalizeEmail(email) });
}

/** The user, or null for an unknown or malformed id. */
export async function findUser(ctx: ServerContext, userId: string | ObjectId): Promise<UserDoc | null> {
  const id = toObjectId(userId);
  return id ? users(ctx).findOne({ _id: id }) : null;
}

/** Display names of users by id (one query), for pages that name owners and readers. Unknown ids are left out. */
export async function userNames(ctx: ServerContext, ids: Iterable<string | ObjectId | null | undefined>): Promise<Map<string, string>> {
  const wanted = [...new Set([...ids].flatMap((id) => (id ? [typeof id === 'string' ? id : id.toHexString()] : [])))];
  const objectIds = wanted.map((id) => toObjectId(id)).filter((id): id is ObjectId => id !== null);
  if (objectIds.length === 0) return new Map();
  const found = await users(ctx).find({ _id: { $in: objectIds } }, { projection: { name: 1, email: 1 } }).toArray();
  return new Map(found.map((u) => [u._id.toHexString(), u.name || u.email.split('@')[0]!]));
}

/** Users for the admin's list: by email containing `search` (any case), in signup order, a page of `limit` after `afterId`. */
export async function listUsers(ctx: ServerContext, options: { search?: string; afterId?: string; limit?: number } = {}): Promise<UserDoc[]> {
  const filter: Record<string, unknown> = {};
  const search = options.search?.trim().toLowerCase();
  // Emails are stored lower-cased; the pattern is a string (the local stand-in refuses RegExp objects).
  if (search) filter.email = { $regex: search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') };
  const after = options.afterId ? toObjectId(options.afterId) : null;
  if (after) filter._id = { $gt: after };
  return users(ctx).find(filter as never, { projection: { passwordHash: 0 } }).sort({ _id: 1 }).limit(options.limit ?? 50).toArray();
}

export async function getUser(ctx: ServerContext, userId: string | ObjectId): Promise<UserDoc> {
  const user = await findUser(ctx, userId);
  if (!user) throw new NotFoundError('No such user', 'user_not_found');
  return user;
}

/** Adds one role (idempotent). C2 calls this with 'creator' when a site is verified. */
export async function addRole(ctx: ServerContext, userId: string | ObjectId, role: Role): Promise<UserDoc> {
  const id = toObjectId(userId);
  const user = id && await users(ctx).findOneAndUpdate({ _id: id }, { $addToSet: { roles: role } }, { returnDocument: 'after' });
  if (!user) throw new NotFoundError('No such user', 'user_not_found');
  return user;
}

/** Replaces a user's roles; `reader` is always kept. */
export async function setRoles(ctx: ServerContext, userId: string | ObjectId, roles: Role[]): Promise<UserDoc> {
  const wanted = new Set<Role>(['reader', ...roles]);
  const id = toObjectId(userId);
  const user = id && await users(ctx).findOneAndUpdate(
    { _id: id },
    { $set: { roles: ROLES.filter((r) => wanted.has(r)) } },
    { returnDocument: 'after' },
  );
  if (!user) throw new NotFoundError('No such user', 'user_not_found');
  return user;
}

/**
 * An admin changes a user's roles (API and /admin): `reader` is always kept,
 * and an admin cannot take their own admin role (422 `cannot_demote_self`),
 * so a service never loses its last admin by a slip.
 */
export async function changeRoles(ctx: ServerContext, actorId: string, userId: string, roles: Role[]): Promise<UserDoc> {
  if (userId === actorId && !roles.includes('admin')) {
    throw new UnprocessableError('You cannot remove your own admin role', 'cannot_demote_self');
  }
  return setRoles(ctx, userId, roles);
}

/**
 * For the operator CLI (`flattr-server admin create`): creates an admin
 * account, or promotes the existing account with that email (its password is
 * then left unchanged).
 */
export async function createAdmin(
  ctx: ServerContext,
  input: { email: string; password: string; name?: string },
): Promise<{ user: UserDoc; created: boolean }> {
  const existing = await findUserByEmail(ctx, input.email);
  if (existing) return { user: await addRole(ctx, existing._id, 'admin'), created: false };
  try {
    return { user: await createUser(ctx, { ...input, roles: ['admin'] }), created: true };
  } catch (error) {
    // Someone created the account meanwhile: promote it.
    if (!(error instanceof ConflictError)) throw error;
    const user = await findUserByEmail(ctx, input.email);
    if (!user) throw error;
    return { user: await addRole(ctx, user._id, 'admin'), created: false };
  }
}

export async function ensureUserIndexes(ctx: ServerContext): Promise<void> {
  await users(ctx).createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
}

export function toObjectId(id: string | ObjectId): ObjectId | null {
  if (id instanceof ObjectId) return id;
  return /^[0-9a-f]{24}$/i.test(id) ? new ObjectId(id) : null;
}
