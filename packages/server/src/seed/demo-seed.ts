import type { ServerContext } from '../context.js';
import { createUser, findUserByEmail, setBudget } from '../accounts/index.js';
import { collections, type UserDoc } from '../db/index.js';
import { demoProvider, manualProvider, recordDeposit } from '../deposits/index.js';
import { DEMO_ADMIN, DEMO_CREATORS, DEMO_PASSWORD, DEMO_READER, demoBlogOrigin, type DemoPerson } from '../demo-sites/index.js';
import { addSite, listSites, verifySite } from '../sites/index.js';
import { registerThing } from '../things/index.js';

export const DEMO_SEED = 'demo_seed';
/** The reader's play money and budget: five months of flattring. */
const READER_DEPOSIT = 50_00;
const READER_BUDGET = 10_00;

export interface DemoSeedSummary {
  /** false: the database had the demo already (a restart): nothing was written. */
  seeded: boolean;
  reader: string;
  creators: Array<{ email: string; blog: string }>;
  admin: string;
}

/**
 * The demo of `npm start`, written once into a new database through the
 * same domain functions as the API: the reader signs up, gets play money
 * (the demo provider, or `manual` where the demo top-up is off) and a budget;
 * each creator signs up, adds their blog (served by this server at
 * `<handle>.localhost`), verifies it through the real verification (the
 * server fetches the proof from itself), and registers their posts, whose
 * ids are `thingIdFor(url)` like every thing's. Every step can be repeated,
 * so a start that stopped half way finishes on the next one; a marker
 * document says the demo is complete.
 *
 * @param serviceUrl where this server listens (the blogs are on its port).
 */
export async function seedDemo(ctx: ServerContext, serviceUrl: string): Promise<DemoSeedSummary> {
  const summary: DemoSeedSummary = {
    seeded: false,
    reader: DEMO_READER.email,
    creators: DEMO_CREATORS.map((c) => ({ email: c.email, blog: `${demoBlogOrigin(c, serviceUrl)}/` })),
    admin: DEMO_ADMIN.email,
  };
  const marker = ctx.db.collection<{ _id: string; at: Date }>(DEMO_SEED);
  if (await marker.findOne({ _id: 'demo' })) {
    // The blogs stay where the first start put them (their port is part of the things' addresses).
    const stored = await Promise.all(DEMO_CREATORS.map(async (c) => {
      const user = await findUserByEmail(ctx, c.email);
      const sites = user ? await listSites(ctx, user._id.toHexString()) : [];
      return { email: c.email, blog: `${sites[0]?.origin ?? demoBlogOrigin(c, serviceUrl)}/` };
    }));
    return { ...summary, creators: stored };
  }

  const reader = await person(ctx, DEMO_READER);
  const provider = demoProvider.isEnabled(ctx.config) ? demoProvider : manualProvider;
  await recordDeposit(ctx, provider, { userId: reader._id.toHexString(), amount: READER_DEPOSIT, reference: 'demo-seed-reader', memo: 'demo seed: the reader\'s play money' });
  await setBudget(ctx, reader._id.toHexString(), READER_BUDGET);
  for (const creator of DEMO_CREATORS) {
    const user = await person(ctx, creator);
    const userId = user._id.toHexString();
    const origin = demoBlogOrigin(creator, serviceUrl);
    const { site } = await addSite(ctx, userId, origin);
    await verifySite(ctx, userId, site._id.toHexString());
    for (const post of creator.posts) await registerThing(ctx, userId, { url: `${origin}/posts/${post.slug}`, title: post.title });
  }
  await person(ctx, DEMO_ADMIN);
  await marker.insertOne({ _id: 'demo', at: new Date() });
  return { ...summary, seeded: true };
}

/**
 * A demo person, with their address counted as confirmed: `example.test`
 * receives no mail, and `npm start` requires confirmed addresses for payouts
 * (its mail goes to the dev outbox, so EMAIL_VERIFICATION is `required`).
 */
async function person(ctx: ServerContext, who: DemoPerson): Promise<UserDoc> {
  const user = (await findUserByEmail(ctx, who.email)) ?? await createUser(ctx, { email: who.email, password: DEMO_PASSWORD, name: who.name });
  if (!(user.emailVerifiedAt instanceof Date)) {
    user.emailVerifiedAt = ctx.clock.now();
    await collections.users(ctx.db).updateOne({ _id: user._id, emailVerifiedAt: { $in: [null] } }, { $set: { emailVerifiedAt: user.emailVerifiedAt } });
  }
  return user;
}
