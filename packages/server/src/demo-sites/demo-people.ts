/**
 * The people of `npm start`'s demo (seeded on its first start, src/seed/demo-seed.ts):
 * a reader with play money and a budget, two creators whose blogs this
 * service itself serves at `http://<handle>.localhost:<port>/` (browsers
 * resolve every `*.localhost` name to this machine), and the admin.
 * Everyone logs in with DEMO_PASSWORD: a demo has no secrets.
 */
export const DEMO_PASSWORD = 'flattr-demo-password';

export interface DemoPerson {
  email: string;
  name: string;
}

export interface DemoCreator extends DemoPerson {
  /** The blog's host name under `.localhost`. */
  handle: string;
  blog: string;
  posts: ReadonlyArray<{ slug: string; title: string; excerpt: string }>;
}

export const DEMO_READER: DemoPerson = { email: 'reader@example.test', name: 'Robin Reader' };
export const DEMO_ADMIN: DemoPerson = { email: 'admin@example.test', name: 'Avery Admin' };

export const DEMO_CREATORS: readonly DemoCreator[] = [
  {
    handle: 'ada',
    email: 'ada@example.test',
    name: 'Ada Creator',
    blog: 'Ada’s workshop notes',
    posts: [
      { slug: 'sharpening', title: 'Sharpening a plane iron', excerpt: 'Flatten the back first, then a micro-bevel: ten minutes that change every cut afterwards.' },
      { slug: 'bench', title: 'A bench from one board', excerpt: 'One 2-metre board, no glue, a weekend: the cut list and the three joints it needs.' },
    ],
  },
  {
    handle: 'grace',
    email: 'grace@example.test',
    name: 'Grace Creator',
    blog: 'Grace writes about compilers',
    posts: [
      { slug: 'parsing', title: 'Parsing without tears', excerpt: 'Recursive descent, precedence climbing, and why your error messages matter more than speed.' },
      { slug: 'bootstrapping', title: 'Bootstrapping a compiler', excerpt: 'How a language compiles itself for the first time: stage zero, stage one, and trust.' },
    ],
  },
];

/** The demo creator whose blog answers for `hostname` (`ada.localhost`), if any. */
export function demoCreatorForHost(hostname: string): DemoCreator | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (!name.endsWith('.localhost')) return undefined;
  return DEMO_CREATORS.find((c) => `${c.handle}.localhost` === name);
}

/** `http://ada.localhost:8080`: the creator's blog on this service's port. */
export function demoBlogOrigin(creator: DemoCreator, serviceUrl: string): string {
  const port = new URL(serviceUrl).port;
  return `http://${creator.handle}.localhost${port ? `:${port}` : ''}`;
}
