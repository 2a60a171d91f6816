/*
 * Type test of the public API as a user sees it: through the package's
 * `exports` map and the built declarations (`npm run build` first).
 * `tsc -p test/types` must pass; every `@ts-expect-error` line is misuse
 * that must stay a compile error.
 */
import { FlattrClient, FlattrError, localStorageAdapter, memoryStorage, type Flattr, type Thing, type User } from '@flattr/sdk';
import { createCountsBatcher, createFlattr, type Counts } from '@flattr/sdk/lite';
import { authorizeWithLoopback } from '@flattr/sdk/node';

declare function expectType<T>(value: T): void;

export async function usage(): Promise<void> {
  const client = new FlattrClient({ baseUrl: 'https://flattr.example', token: 'fpat_x', timeoutMs: 5000, retries: 3 });
  const browser = new FlattrClient({ baseUrl: 'https://flattr.example', storage: localStorageAdapter(), retries: { retries: 1, baseMs: 100 } });
  const custom = new FlattrClient({ baseUrl: 'https://flattr.example', getToken: async () => 'jwt', fetch: globalThis.fetch, storage: memoryStorage() });
  const derived: FlattrClient = client.withDefaults({ timeoutMs: 1000, headers: { 'user-agent': 'my-app' } });
  void browser; void custom; void derived;

  // @ts-expect-error baseUrl is required
  new FlattrClient({ token: 'x' });
  // @ts-expect-error retries is a number or a policy
  new FlattrClient({ baseUrl: 'x', retries: 'many' });

  const me: User = await client.me.get();
  expectType<number>(me.budget);
  expectType<string>(me.email);
  await client.me.update({ budget: 500 });
  // @ts-expect-error budget is minor units, a number
  await client.me.update({ budget: '5 EUR' });

  const balance = await client.balance.get();
  expectType<number>(balance.available);

  const thing: Thing = await client.things.getByUrl('https://blog.example/post');
  expectType<string | null>(thing.ownerId);
  expectType<number>(thing.flattrCount);
  await client.things.register({ url: 'https://blog.example/post', title: 'Post', tags: ['a'] });
  // @ts-expect-error a thing needs a title
  await client.things.register({ url: 'https://blog.example/post' });

  const result = await client.flattrs.create({ url: 'https://blog.example/post', title: 'Post' }, { idempotencyKey: 'k', signal: AbortSignal.timeout(1000) });
  expectType<200 | 201>(result.status);
  expectType<boolean>(result.created);
  const flattr: Flattr = result.flattr;
  expectType<string>(flattr.period);
  await client.flattrs.create({ thingId: thing.id });
  // @ts-expect-error withdraw takes the flattr's id
  await client.flattrs.withdraw(flattr);
  const list = await client.flattrs.list({ period: '2026-11' });
  expectType<string>(list.items[0]!.thingId);

  const counts: Counts = await client.counts.get('https://blog.example/post');
  expectType<string | null>(counts.thingId);
  const many = await client.counts.getMany(['https://a.example/', 'https://b.example/']);
  expectType<number | undefined>(many['https://a.example/']?.count);

  const pat = await client.tokens.create({ name: 'cms', scopes: ['read', 'things'] });
  expectType<string | undefined>(pat.token);
  // @ts-expect-error unknown scope
  await client.tokens.create({ name: 'cms', scopes: ['everything'] });
  await client.tokens.revoke(pat.id);
  await client.siteTokens.list();

  const site = await client.sites.add({ url: 'https://blog.example' });
  await client.sites.verify(site.id);
  await client.subscriptions.create({ thingId: thing.id, months: 3 });
  await client.earnings.get({ period: '2026-10' });
  await client.payouts.request({ amount: 1000 });
  await client.payouts.list();

  await client.admin.deposit({ userId: me.id, amount: 1000, reference: 'bank-1' });
  // @ts-expect-error a deposit needs a reference
  await client.admin.deposit({ userId: me.id, amount: 1000 });
  await client.admin.distributions.start('2026-10');
  await client.admin.distributions.status('2026-10');
  await client.admin.ledger.verify();
  expectType<string>(await client.admin.payouts.csv());
  await client.admin.payouts.markPaid('p1', { reference: 'bank-2' });

  await client.auth.login({ email: 'a@example.test', password: 'correct horse battery' });
  // @ts-expect-error login needs a password
  await client.auth.login({ email: 'a@example.test' });
  const { url, state } = await client.auth.oauth.start({ clientId: 'app', redirectUri: 'https://app.example/cb', scope: 'read flattr' });
  expectType<string>(url + state);
  await authorizeWithLoopback(client, { clientId: 'cli', openUrl: (u) => console.log(u) });
  await client.siteToken.set('fsite_x');
  await client.siteToken.flattr({ url: 'https://blog.example/post' });
  const confirmed = await client.siteToken.flattrOrConfirm({ url: 'https://blog.example/post', title: 'Post' });
  expectType<number>(confirmed.count);
  // @ts-expect-error the confirm window needs the page's URL
  await client.siteToken.flattrOrConfirm({ title: 'Post' });

  const off = client.on('flattr', ({ flattr: f, created }) => { expectType<Flattr>(f); expectType<boolean>(created); });
  client.on('error', (error) => { expectType<FlattrError>(error); expectType<string>(error.code); });
  // @ts-expect-error no such event
  client.on('click', () => {});
  off();

  try {
    await client.me.get();
  } catch (error) {
    if (error instanceof FlattrError) {
      expectType<'FlattrError'>(error.name);
      expectType<number>(error.status);
      expectType<number | undefined>(error.retryAfter);
      expectType<string | undefined>(error.request?.headers.authorization);
    }
  }

  const batcher = createCountsBatcher({ baseUrl: 'https://flattr.example', maxBatch: 50 });
  expectType<Promise<Counts>>(batcher.get('https://a.example/', { signal: new AbortController().signal }));
  const one = await createFlattr({ baseUrl: 'https://flattr.example', token: 'fsite_x' }, { url: 'https://a.example/' });
  expectType<200 | 201>(one.status);
  // @ts-expect-error createFlattr needs a token
  await createFlattr({ baseUrl: 'https://flattr.example' }, { url: 'https://a.example/' });
}
