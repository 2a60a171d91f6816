import { ObjectId } from 'mongodb';
import { addRole } from '../accounts/users.js';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { AppError, isDuplicateKeyError, NotFoundError, UnprocessableError } from '../errors/index.js';
import { toObjectId } from '../things/index.js';
import { isPublicAddress } from './address-policy.js';
import { META_NAME, readMetaProof, readWellKnownProof, WELL_KNOWN_PATH, type ProofReading } from './proof.js';
import { releaseEscrowForOwner, type ReleaseSummary } from './release-escrow.js';
import { AddressNotAllowedError, FetchFailedError, safeFetchText, type SafeFetchOptions } from './safe-fetch.js';
import { siteAddressOf } from './site-url.js';

export const SITES = 'sites';
/** One doc per verified host (`_id` = host): the unique key that lets only one user own a host. */
export const SITE_OWNERS = 'site_owners';

export interface SiteDoc {
  _id: ObjectId;
  userId: ObjectId;
  /** Lower-case host with a non-default port, as things' `host` (site-url.ts). */
  host: string;
  /** Scheme and host the proof is fetched from. */
  origin: string;
  verifiedAt: Date | null;
  method: 'well-known' | 'meta' | null;
  createdAt: Date;
}

interface SiteOwnerDoc {
  _id: string;
  userId: ObjectId;
  siteId: ObjectId;
  verifiedAt: Date;
  method: 'well-known' | 'meta';
}

export interface VerifyOutcome {
  site: SiteDoc;
  /** Things under the host that became the owner's in this call. */
  thingsClaimed: number;
  escrowReleased: ReleaseSummary;
}

const sites = (ctx: ServerContext) => ctx.db.collection<SiteDoc>(SITES);
const owners = (ctx: ServerContext) => ctx.db.collection<SiteOwnerDoc>(SITE_OWNERS);

/** `POST /v1/sites`: records the site to verify (idempotent per user and host). */
export async function addSite(ctx: ServerContext, userId: string, url: string): Promise<{ site: SiteDoc; created: boolean }> {
  const { host, origin } = siteAddressOf(url);
  const user = ObjectId.createFromHexString(userId);
  const doc: SiteDoc = { _id: new ObjectId(), userId: user, host, origin, verifiedAt: null, method: null, createdAt: ctx.clock.now() };
  try {
    await sites(ctx).insertOne(doc);
    return { site: doc, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await sites(ctx).findOne({ userId: user, host });
    if (!existing) throw error;
    return { site: existing, created: false };
  }
}

export async function listSites(ctx: ServerContext, userId: string): Promise<SiteDoc[]> {
  return sites(ctx).find({ userId: ObjectId.createFromHexString(userId) }).sort({ createdAt: 1, _id: 1 }).toArray();
}

/** The verified owner of a host, or null. (Things use their own reader of `sites`: things/site-owner.ts.) */
export async function ownerForHost(ctx: ServerContext, host: string): Promise<ObjectId | null> {
  const owner = await owners(ctx).findOne({ _id: host.toLowerCase() });
  return owner?.userId ?? null;
}

/**
 * `POST /v1/sites/:id/verify`: fetches the proof, records the ownership,
 * hands the host's unowned things to the owner, grants the `creator` role
 * and releases the escrow waiting for those things.
 *
 * Every step after the proof is idempotent, and calling verify again on a
 * verified site repeats them without fetching (it picks up things created
 * unowned since, and finishes a release a crash interrupted).
 */
export async function verifySite(
  ctx: ServerContext,
  userId: string,
  siteId: string,
  fetchOptions: Partial<SafeFetchOptions> = {},
): Promise<VerifyOutcome> {
  const user = ObjectId.createFromHexString(userId);
  const id = toObjectId(siteId);
  let site = id ? await sites(ctx).findOne({ _id: id, userId: user }) : null;
  if (!site) throw new NotFoundError(`No site ${siteId} of yours`, 'site_not_found');

  const current = await owners(ctx).findOne({ _id: site.host });
  if (current && !current.userId.equals(user)) throw hostOwnedByOther(site.host);

  // Already ours (also when a crash came before the site doc was updated): no need to fetch again.
  const method = current?.method ?? site.method ?? await checkProof(ctx, site, userId, fetchOptions);
  const verifiedAt = current?.verifiedAt ?? site.verifiedAt ?? ctx.clock.now();

  // The owners doc is the lock: of two users verifying one host at once, one insert wins.
  try {
    await owners(ctx).insertOne({ _id: site.host, userId: user, siteId: site._id, verifiedAt, method });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await owners(ctx).findOne({ _id: site.host });
    if (winner && !winner.userId.equals(user)) throw hostOwnedByOther(site.host);
  }
  site = (await sites(ctx).findOneAndUpdate(
    { _id: site._id },
    { $set: { verifiedAt, method } },
    { returnDocument: 'after' },
  ))!;

  const claimed = await collections.things(ctx.db).updateMany({ host: site.host, ownerId: null }, { $set: { ownerId: user } });
  await addRole(ctx, user, 'creator');
  const escrowReleased = await releaseEscrowForOwner(ctx, user, site.host);
  return { site, thingsClaimed: claimed.modifiedCount, escrowReleased };
}

/** Tries `/.well-known/flattr`, then the home page's meta tag; throws the 422 that explains a failure. */
async function checkProof(
  ctx: ServerContext,
  site: SiteDoc,
  userId: string,
  fetchOptions: Partial<SafeFetchOptions>,
): Promise<'well-known' | 'meta'> {
  const options: SafeFetchOptions = {
    allowAddress: ctx.config.allowPrivateFetch ? () => true : isPublicAddress,
    ...fetchOptions,
  };
  const readings: ProofReading[] = [];
  const failures: Error[] = [];
  const attempts: Array<['well-known' | 'meta', string, (body: string) => ProofReading]> = [
    ['well-known', WELL_KNOWN_PATH, (body) => readWellKnownProof(body, userId)],
    ['meta', '/', (body) => readMetaProof(body, userId)],
  ];
  for (const [method, path, read] of attempts) {
    try {
      const answer = await safeFetchText(`${site.origin}${path}`, options);
      if (answer.status < 200 || answer.status > 299) {
        readings.push({ kind: 'absent' });
        continue;
      }
      const reading = read(answer.body);
      if (reading.kind === 'match') return method;
      readings.push(reading);
    } catch (error) {
      if (!(error instanceof AddressNotAllowedError) && !(error instanceof FetchFailedError)) throw error;
      failures.push(error);
      // The same host answers both paths: a refused address will be refused again.
      if (error instanceof AddressNotAllowedError) break;
    }
  }
  const mismatch = readings.find((r) => r.kind === 'mismatch');
  if (mismatch?.kind === 'mismatch') {
    throw new UnprocessableError(
      `The proof on ${site.origin} names another user (${mismatch.found.join(', ')}), not ${userId}`,
      'proof_mismatch',
      { found: mismatch.found },
    );
  }
  const refused = failures.find((f) => f instanceof AddressNotAllowedError);
  if (refused) throw new UnprocessableError(refused.message, 'address_not_allowed');
  if (failures.length > 0 && readings.length === 0) {
    throw new UnprocessableError(`Could not fetch the proof from ${site.origin}: ${failures[0]!.message}`, 'fetch_failed');
  }
  throw new UnprocessableError(
    `Found neither ${site.origin}${WELL_KNOWN_PATH} holding your user id nor <meta name="${META_NAME}" content="${userId}"> on ${site.origin}/`,
    'proof_not_found',
  );
}

function hostOwnedByOther(host: string): AppError {
  return new UnprocessableError(`${host} is already verified by another user`, 'host_owned_by_other');
}

/** How to prove control of a site, returned with it so a client can show the steps. */
export function instructionsFor(ctx: ServerContext, site: SiteDoc) {
  const id = site.userId.toHexString();
  return {
    wellKnown: { url: `${site.origin}${WELL_KNOWN_PATH}`, content: `${id}\n` },
    meta: { url: `${site.origin}/`, tag: `<meta name="${META_NAME}" content="${id}">` },
    verify: `${ctx.config.publicUrl}/v1/sites/${site._id.toHexString()}/verify`,
  };
}

export async function ensureSiteIndexes(ctx: ServerContext): Promise<void> {
  await sites(ctx).createIndex({ userId: 1, host: 1 }, { unique: true, name: 'user_host_unique' });
  await sites(ctx).createIndex({ host: 1, verifiedAt: 1 });
}
