export { startTestServer, type TestServer } from './start-test-server.js';
export { MutableClock } from './mutable-clock.js';
export { testClient, type TestClient, type TestResponse, type TestRequestOptions } from './http-client.js';
export { signup, login, createAdmin, type TestUser } from './users.js';
export { collectionHash, collectionHashes, changedCollections, type CollectionHashes } from './collection-hashes.js';
export { refusalAudit, type RefusalAudit, type RefusalWrite } from './refusal-audit.js';
export { rawRequest, type RawResponse } from './raw-http.js';
export { startProxiedDatabase, type ProxiedDatabase } from './proxied-database.js';
export { sendClick, startClickStream, type Click, type ClickStream } from './click-stream.js';
