import { endMonthNow } from '../demo-month/index.js';
import { DEMO_CREATORS, DEMO_PASSWORD, DEMO_READER, demoBlogOrigin } from '../demo-sites/index.js';
import { seedDemo } from '../seed/index.js';
import { thingIdFor } from '../things/index.js';
import { testClient } from './http-client.js';
import type { TestServer } from './start-test-server.js';

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
