export { startLocalDatabase, type LocalDatabase, type LocalDatabaseOptions } from './start-local-database.js';
export { ensureMongoJavaServer, flattrCacheRoot, MONGO_JAVA_SERVER_VERSION } from './mongo-java-server.js';
