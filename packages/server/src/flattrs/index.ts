export { recordFlattr, flattrIdFor, type RecordedFlattr, type StoredFlattr } from './record-flattr.js';
export { withdrawFlattr } from './withdraw-flattr.js';
export { adjustFlattrCount } from './flattr-count.js';
export { listFlattrs } from './list-flattrs.js';
export { ensureFlattrIndexes } from './indexes.js';
export { clickKeyOf, IDEMPOTENCY_TTL_MS, MAX_IDEMPOTENCY_KEY_LENGTH, type ClickKey, type FlattrIdempotency } from './idempotency.js';
export { flattrSchema, recordFlattrBodySchema, toFlattr, type Flattr, type RecordFlattrBody } from './schemas.js';
export { flattrsModule } from './module.js';
