export { normalizeUrl, hostOf, isOnOrigin, InvalidUrlError, MAX_URL_LENGTH } from './normalize-url.js';
export { toObjectId, derivedObjectId, thingIdFor } from './object-id.js';
export { problemResponse, thingSchema, toThing, titleSchema, urlInputSchema, LIMITS, type Thing, type ThingMetadata } from './schemas.js';
export {
  findThingById, findThingByUrl, findThingByNormalizedUrl, getThing, createThingIfMissing, registerThing, recountFlattrs, ensureThingIndexes,
  listOwnedThings, ThingNotFoundError, type NewThing, type RegisterThingInput, type OwnedThing,
} from './things.js';
export { ownerForHost, verifiedOwnersOf } from './site-owner.js';
export { thingsModule } from './module.js';
