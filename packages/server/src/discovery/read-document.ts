import { Parser } from 'htmlparser2';

/**
 * What a page or a feed says about payment: every `rel="payment"` link
 * (HTML `<link>`/`<a>`, Atom `<link>`, `<atom:link>` in RSS) and every
 * Podcasting 2.0 `<podcast:funding url>`, each with the thing it stands for
 * (the feed item's or page's own link and title). Which of them point at
 * this service is decided by the caller.
 *
 * Parsed with htmlparser2: one forgiving parser for HTML and XML (feeds in
 * the wild are often not well-formed, and a body cut at the size limit must
 * still give what it holds), with the namespaces of feeds resolved here from
 * their `xmlns` declarations, so `<a:link>` bound to Atom counts as well.
 */
export interface PaymentLink {
  /** The payment link's target, resolved against the document's URL (or `<base>`/`xml:base`). */
  href: string;
  source: 'html-link' | 'atom-link' | 'podcast-funding';
  /** The item (feed entry, or the page) the link belongs to: its own URL and title, when it says them. */
  itemUrl?: string;
  itemTitle?: string;
}

export interface ReadDocument {
  kind: 'html' | 'feed';
  links: PaymentLink[];
}

export const ATOM_NS = 'http://www.w3.org/2005/Atom';
export const PODCAST_NS = 'https://podcastindex.org/namespace/1.0';

/** HTML or a feed, by the answer's media type, else by what the text starts with. */
export function documentKind(contentType: string, body: string): 'html' | 'feed' | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (/^(application|text)\/((rss|atom)\+)?xml$/.test(type)) return 'feed';
  const start = body.replace(/^\uFEFF/, '').trimStart().slice(0, 512).toLowerCase();
  if (/^<(\?xml|rss|feed|rdf:rdf)\b/.test(start)) return 'feed';
  if (/^<(!doctype html|html)\b/.test(start)) return 'html';
  return null;
}

export function readDocument(body: string, baseUrl: string, kind: 'html' | 'feed'): ReadDocument {
  return { kind, links: kind === 'html' ? readHtml(body, baseUrl) : readFeed(body, baseUrl) };
}

function hasRel(attributes: Record<string, string>, token: string): boolean {
  return (attributes.rel ?? '').toLowerCase().split(/\s+/).includes(token);
}

function resolve(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return undefined;
  }
}

/** A page is one item: its canonical URL (else its address) and `<title>`; payment links in head or body. */
function readHtml(body: string, pageUrl: string): PaymentLink[] {
  let base = pageUrl;
  let canonical: string | undefined;
  let title = '';
  let inTitle = false;
  const hrefs: Array<{ href: string }> = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'base' && attributes.href) base = resolve(attributes.href, pageUrl) ?? base;
      else if (name === 'title') inTitle = true;
      else if ((name === 'link' || name === 'a') && hasRel(attributes, 'canonical') && !canonical) canonical = attributes.href;
      if ((name === 'link' || name === 'a') && hasRel(attributes, 'payment') && attributes.href) hrefs.push({ href: attributes.href });
    },
    ontext(text) {
      if (inTitle) title += text;
    },
    onclosetag(name) {
      if (name === 'title') inTitle = false;
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.end(body);
  const itemUrl = resolve(canonical, base) ?? pageUrl;
  const itemTitle = title.trim().replace(/\s+/g, ' ') || undefined;
  return hrefs.flatMap(({ href }) => {
    const resolved = resolve(href, base);
    return resolved ? [{ href: resolved, source: 'html-link' as const, itemUrl, itemTitle }] : [];
  });
}

interface Item {
  url?: string;
  title?: string;
  payment: Array<Pick<PaymentLink, 'href' | 'source'>>;
}

interface Frame {
  ns: string;
  local: string;
  /** Prefix → namespace declared on this element. */
  prefixes: Map<string, string>;
  base: string;
  item?: Item;
}

/**
 * Atom (`feed`/`entry`) and RSS 2.0 (`channel`/`item`). The feed or channel is
 * an item too: a payment link there stands for the whole feed (its own link).
 */
function readFeed(body: string, feedUrl: string): PaymentLink[] {
  const stack: Frame[] = [];
  const items: Item[] = [];
  let text = '';
  const lookup = (prefix: string) => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const ns = stack[i]!.prefixes.get(prefix);
      if (ns !== undefined) return ns;
    }
    return prefix === 'xml' ? 'http://www.w3.org/XML/1998/namespace' : '';
  };
  const parser = new Parser({
    onopentag(qname, attributes) {
      const prefixes = new Map<string, string>();
      for (const [name, value] of Object.entries(attributes)) {
        if (name === 'xmlns') prefixes.set('', value);
        else if (name.startsWith('xmlns:')) prefixes.set(name.slice(6), value);
      }
      const parent = stack.at(-1);
      const base = resolve(attributes['xml:base'], parent?.base ?? feedUrl) ?? parent?.base ?? feedUrl;
      const frame: Frame = { ns: '', local: qname, prefixes, base };
      stack.push(frame);
      const colon = qname.indexOf(':');
      frame.ns = lookup(colon === -1 ? '' : qname.slice(0, colon));
      frame.local = colon === -1 ? qname : qname.slice(colon + 1);
      text = '';
      const { ns, local } = frame;
      const atom = ns === ATOM_NS;
      const rss = ns === '';
      if ((atom && (local === 'feed' || local === 'entry')) || (rss && (local === 'channel' || local === 'item'))) {
        frame.item = { payment: [] };
        items.push(frame.item);
        return;
      }
      // Links belong to the nearest item around them: in a feed that left an element open inside an
      // item (it happens), they still count for that item.
      const item = nearestItem(stack);
      if (!item) return;
      if (atom && local === 'link') {
        const href = resolve(attributes.href, base);
        if (!href) return;
        const rel = (attributes.rel ?? 'alternate').toLowerCase();
        if (rel === 'payment') item.payment.push({ href, source: 'atom-link' });
        else if (rel === 'alternate' && !item.url) item.url = href;
      } else if (ns === PODCAST_NS && local === 'funding') {
        const href = resolve(attributes.url, base);
        if (href) item.payment.push({ href, source: 'podcast-funding' });
      }
    },
    ontext(chunk) {
      text += chunk;
    },
    onclosetag() {
      const frame = stack.pop();
      const item = stack.at(-1)?.item;
      if (!frame || !item) return;
      const { ns, local } = frame;
      const value = text.trim().replace(/\s+/g, ' ');
      // RSS: <link>text</link> and <title>; Atom: <title> (its link is an attribute, read above).
      if (ns === '' && local === 'link' && value && !item.url) item.url = resolve(value, frame.base);
      else if ((ns === '' || ns === ATOM_NS) && local === 'title' && value && !item.title) item.title = value;
      text = '';
    },
  }, { xmlMode: true, decodeEntities: true, recognizeCDATA: true });
  parser.end(body);
  return items.flatMap((item) => item.payment.map((link) => ({ ...link, itemUrl: item.url, itemTitle: item.title })));
}

function nearestItem(stack: Frame[]): Item | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.item) return stack[i]!.item;
  return undefined;
}
