import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { toFlattr, type Flattr } from './schemas.js';

/** A reader's flattrs in one period, newest first, each with its thing (two queries). */
export async function listFlattrs(ctx: ServerContext, readerId: string, period: string): Promise<Flattr[]> {
  const reader = ObjectId.createFromHexString(readerId);
  const flattrs = await collections.flattrs(ctx.db).find({ readerId: reader, period }).sort({ createdAt: -1, _id: -1 }).toArray();
  if (flattrs.length === 0) return [];
  const things = await collections.things(ctx.db).find({ _id: { $in: [...new Set(flattrs.map((f) => f.thingId.toHexString()))].map((id) => ObjectId.createFromHexString(id)) } }).toArray();
  const byId = new Map(things.map((thing) => [thing._id.toHexString(), thing]));
  // A thing is never deleted while flattrs point at it; skip rather than fail if one ever is.
  return flattrs.flatMap((flattr) => {
    const thing = byId.get(flattr.thingId.toHexString());
    return thing ? [toFlattr(flattr, thing)] : [];
  });
}
