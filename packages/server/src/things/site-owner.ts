import type { Db, ObjectId } from 'mongodb';

/** The sites collection belongs to the sites concern; things only read who verified a host. */
const SITES = 'sites';

interface SiteView {
  userId: ObjectId;
  host: string;
  verifiedAt: Date | null;
}

/**
 * The users who proved control of `host` (its `/.well-known/flattr` file or
 * meta tag), earliest verification first. Ownership of things follows them.
 */
export async function verifiedOwnersOf(db: Db, host: string): Promise<ObjectId[]> {
  const sites = await db.collection<SiteView>(SITES)
    .find({ host: host.toLowerCase(), verifiedAt: { $ne: null } }, { projection: { userId: 1, verifiedAt: 1 } })
    .sort({ verifiedAt: 1 })
    .toArray();
  return sites.map((site) => site.userId);
}

/** Who owns new things on `host`: `preferred` if they verified it, else the earliest verifier, else nobody. */
export async function ownerForHost(db: Db, host: string, preferred?: ObjectId): Promise<ObjectId | null> {
  const owners = await verifiedOwnersOf(db, host);
  if (preferred && owners.some((id) => id.equals(preferred))) return preferred;
  return owners[0] ?? null;
}
