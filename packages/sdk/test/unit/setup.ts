import { after, afterEach, before } from 'node:test';
import { setupServer } from 'msw/node';
import { FlattrClient, type FlattrClientOptions } from '../../src/index.js';

export const API = 'https://flattr.test';

/** One msw server per test file; handlers are added per test and reset after each. */
export function mockApi() {
  const server = setupServer();
  // Real loopback listeners (the OAuth CLI variant) pass through; anything else unmocked is a test bug.
  before(() => server.listen({
    onUnhandledRequest: (request, print) => {
      if (new URL(request.url).hostname !== '127.0.0.1') print.error();
    },
  }));
  afterEach(() => server.resetHandlers());
  after(() => server.close());
  return server;
}

/** A client with fast backoff, so retry tests wait milliseconds, not seconds. */
export function testClient(options: Partial<FlattrClientOptions> = {}): FlattrClient {
  return new FlattrClient({ baseUrl: API, retries: { retries: 2, baseMs: 5, maxMs: 20 }, ...options });
}

/** Records every request msw sees (a clone, so bodies can be read afterwards). */
export function recordRequests(server: ReturnType<typeof setupServer>): Request[] {
  const seen: Request[] = [];
  server.events.on('request:start', ({ request }) => void seen.push(request.clone()));
  return seen;
}

export const thing = {
  id: '665f00000000000000000001', url: 'https://blog.example/post', title: 'A post', tags: [],
  ownerId: null, claimedCreator: null, flattrCount: 3, createdAt: '2026-11-01T00:00:00.000Z',
};
export const flattr = {
  id: '665f00000000000000000009', thingId: thing.id, readerId: '665f0000000000000000000a',
  period: '2026-11', createdAt: '2026-11-25T00:00:00.000Z', thing,
};
export const user = {
  id: '665f0000000000000000000a', email: 'r@example.test', name: 'Reader', roles: ['reader'],
  budget: 500, currency: 'EUR', createdAt: '2026-11-01T00:00:00.000Z',
};
export function problem(status: number, code: string, detail = 'nope', headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: `https://flattr.dev/problems/${code}`, title: 'x', status, code, detail, instance: '/' }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}
