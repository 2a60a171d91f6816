import { endMonthNow } from '../demo-month/index.js';
import { DEMO_ADMIN, DEMO_CREATORS, DEMO_PASSWORD, DEMO_READER, demoBlogOrigin } from '../demo-sites/index.js';
import { seedDemo } from '../seed/index.js';
import { thingIdFor } from '../things/index.js';
import { testClient } from './http-client.js';
import type { TestServer } from './start-test-server.js';

/** Who looks at a page: nobody logged in, or one of the demo's people. */
export type DemoViewer = 'anonymous' | 'reader' | 'creator' | 'admin';

/** Every page of the service a person sees, with who sees it (the browser tests and the screenshots go through this list). */
export const DEMO_PAGES: ReadonlyArray<{ name: string; viewer: DemoViewer; path: (demo: LivedInDemo) => string }> = [
  { name: 'welcome', viewer: 'anonymous', path: () => '/welcome' },
  { name: 'login', viewer: 'anonymous', path: () => '/account/login' },
  { name: 'signup', viewer: 'anonymous', path: () => '/account/signup' },
  { name: 'thing', viewer: 'anonymous', path: (d) => `/things/${d.thingId}` },
  { name: 'thing-by-url', viewer: 'anonymous', path: () => `/things?url=${encodeURIComponent('https://new.example/post')}` },
  { name: 'creator-profile', viewer: 'anonymous', path: (d) => `/creators/${d.adaId}` },
  { name: 'account', viewer: 'reader', path: () => '/account' },
  { name: 'settings', viewer: 'reader', path: () => '/settings' },
  { name: 'creator', viewer: 'creator', path: () => '/creator' },
  { name: 'admin', viewer: 'admin', path: () => '/admin' },
  { name: 'admin-run', viewer: 'admin', path: (d) => `/admin/distributions/${d.endedPeriod}` },
];

/** The demo account each viewer logs in with (password DEMO_PASSWORD). */
export const DEMO_VIEWER_EMAILS: Record<Exclude<DemoViewer, 'anonymous'>, string> = {
  reader: DEMO_READER.email,
  creator: DEMO_CREATORS[0]!.email,
  admin: DEMO_ADMIN.email,
};

export interface LivedInDemo {
  /** The month that was ended and distributed. */
  endedPeriod: string;
  adaId: string;
  /** Ada's first post (flattred in both months). */
  thingId: string;
  /** A page on a site nobody verified yet (its share waits in escrow). */
  unclaimedUrl: string;
}

/**
 * The demo after a month of use, for page tests and screenshots: the seeded
 * people; the reader flattred both creators and a page nobody owns yet, and
 * subscribed to a post; the month was ended (demo clock) and distributed;
 * in the new month the reader flattred again; Ada added an unverified
 * site (with escrow waiting) and asked for a payout. Needs a server with
 * DEMO_MODE=true and DEMO_TOPUP=true whose clock is set to mid-month.
 */
export async function livedInDemo(server: TestServer): Promise<LivedInDemo> {
  const api = testClient(server.url);
  await seedDemo(server.ctx, server.url);
  const [ada, grace] = DEMO_CREATORS as [typeof DEMO_CREATORS[0], typeof DEMO_CREATORS[0]];
  const post = (creator: typeof ada, i: number) => thingIdFor(`${demoBlogOrigin(creator, server.url)}/posts/${creator.posts[i]!.slug}`).toHexString();
  const logIn = async (email: string) => {
    const res = await api.post('/v1/auth/login', { email, password: DEMO_PASSWORD });
    if (res.status !== 200) throw new Error(`login of ${email}: ${res.status} ${res.text}`);
    return res.body as { accessToken: string; user: { id: string } };
  };
  const must = async (what: string, promise: Promise<{ status: number; text: string }>) => {
    const res = await promise;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  };

  let reader = await logIn(DEMO_READER.email);
  const port = new URL(server.url).port;
  const unclaimedUrl = `http://unclaimed.localhost:${port}/an-essay`;
  for (const thingId of [post(ada, 0), post(grace, 0)]) await must('flattr', api.post('/v1/flattrs', { thingId }, { token: reader.accessToken }));
  await must('flattr unclaimed', api.post('/v1/flattrs', { url: unclaimedUrl, title: 'An essay nobody has claimed yet' }, { token: reader.accessToken }));
  await must('subscribe', api.post('/v1/subscriptions', { thingId: post(grace, 1), months: 3 }, { token: reader.accessToken }));

  const period = `${server.ctx.clock.now().toISOString().slice(0, 7)}`;
  const ended = await endMonthNow(server.ctx, period);
  await ended.done;

  reader = await logIn(DEMO_READER.email);
  for (const thingId of [post(ada, 0), post(ada, 1)]) await must('flattr', api.post('/v1/flattrs', { thingId }, { token: reader.accessToken }));
  const adaLogin = await logIn(ada.email);
  await must('add site', api.post('/v1/sites', { url: `http://unclaimed.localhost:${port}` }, { token: adaLogin.accessToken }));
  await must('payout', api.post('/v1/me/payouts', { amount: 200 }, { token: adaLogin.accessToken }));
  return { endedPeriod: period, adaId: adaLogin.user.id, thingId: post(ada, 0), unclaimedUrl };
}
