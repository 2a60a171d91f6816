export { recordFlattr, flattrIdFor, type RecordedFlattr } from './record-flattr.js';
export { withdrawFlattr } from './withdraw-flattr.js';
export { adjustFlattrCount } from './flattr-count.js';
export { listFlattrs } from './list-flattrs.js';
export { ensureFlattrIndexes } from './indexes.js';
export { runIdempotent, ensureIdempotencyIndexes, IDEMPOTENCY_KEYS, IDEMPOTENCY_TTL_MS, type StoredReply } from './idempotency.js';
export { flattrSchema, recordFlattrBodySchema, toFlattr, type Flattr, type RecordFlattrBody } from './schemas.js';
export { flattrsModule } from './module.js';
