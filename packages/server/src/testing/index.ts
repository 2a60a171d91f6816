export { startTestServer, type TestServer } from './start-test-server.js';
export { MutableClock } from './mutable-clock.js';
export { testClient, type TestClient, type TestResponse, type TestRequestOptions } from './http-client.js';
export { signup, login, createAdmin, type TestUser } from './users.js';
export { livedInDemo, type LivedInDemo } from './lived-in-demo.js';
