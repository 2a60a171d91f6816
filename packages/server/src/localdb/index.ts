export { startLocalDatabase, type LocalDatabase } from './start-local-database.js';
export { ensureFerretDb, FERRETDB_VERSION } from './ferretdb-binary.js';
