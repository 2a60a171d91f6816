/**
 * Reading a site's proof of ownership. Two forms (docs/creators.md):
 * - the file `/.well-known/flattr`: its lines holding a user id (after trimming; `#` starts a
 *   comment; other lines are ignored) are the ids of the users who own the site;
 * - `<meta name="flattr:owner" content="<user id>">` on the home page.
 */
export type ProofReading =
  /** The proof names this user. */
  | { kind: 'match' }
  /** A proof is there, but for other ids only. */
  | { kind: 'mismatch'; found: string[] }
  /** No proof in this document. */
  | { kind: 'absent' };

export const WELL_KNOWN_PATH = '/.well-known/flattr';
export const META_NAME = 'flattr:owner';

export function readWellKnownProof(body: string, userId: string): ProofReading {
  // Only lines that look like user ids count: a site that answers every path with its HTML
  // (a "soft 404") has no proof there rather than a proof for someone else.
  const ids = body.split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => USER_ID.test(line));
  return judge(ids, userId);
}

const USER_ID = /^[0-9a-f]{24}$/i;

export function readMetaProof(html: string, userId: string): ProofReading {
  const ids: string[] = [];
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    const attributes = parseAttributes(tag);
    if (attributes.get('name')?.toLowerCase() === META_NAME && attributes.has('content')) {
      ids.push(attributes.get('content')!.trim());
    }
  }
  return judge(ids, userId);
}

function judge(ids: string[], userId: string): ProofReading {
  if (ids.length === 0) return { kind: 'absent' };
  // User ids are hex ObjectIds; compare case-insensitively so a hand-typed upper-case id still counts.
  if (ids.some((id) => id.toLowerCase() === userId.toLowerCase())) return { kind: 'match' };
  return { kind: 'mismatch', found: ids.slice(0, 5).map((id) => id.slice(0, 64)) };
}

/** Attributes of one start tag: quoted with " or ', or unquoted; names lower-cased. */
function parseAttributes(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<meta\b/i, '').replace(/\/?>$/, '');
  for (const match of inner.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    if (!attributes.has(name)) attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

function decodeEntities(value: string): string {
  return value.replace(/&(amp|quot|#39|apos|lt|gt);/g, (_m, name: string) => (
    ({ amp: '&', quot: '"', '#39': "'", apos: "'", lt: '<', gt: '>' } as Record<string, string>)[name]!
  ));
}
