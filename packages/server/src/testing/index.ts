export { startTestServer, type TestServer } from './start-test-server.js';
export { MutableClock } from './mutable-clock.js';
export { testClient, type TestClient, type TestResponse, type TestRequestOptions } from './http-client.js';
export { signup, login, createAdmin, type TestUser } from './users.js';
export { livedInDemo, livedInDemoEnv, DEMO_PAGES, DEMO_VIEWER_EMAILS, DEMO_NEWCOMER_EMAIL, type LivedInDemo, type DemoViewer } from './lived-in-demo.js';
export { startStripeMock, type StripeMock, type RecordedStripeCall } from './stripe-mock.js';
export { startMailpit, type Mailpit, type MailpitMessage } from './mailpit.js';
export { ensureGoTool, goToolPath, GO_TOOLS, type GoTool } from './go-tools.js';
export { stripeEvent, deliverStripeEvent, stripeTestEnv, TEST_WEBHOOK_SECRET } from './stripe-webhooks.js';
