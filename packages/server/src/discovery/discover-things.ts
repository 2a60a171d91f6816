import type { ServerContext } from '../context.js';
import { countsFor, MAX_COUNT_URLS } from '../counts/index.js';
import { UnprocessableError } from '../errors/index.js';
import { toSingleLineText } from '../http/stored-text.js';
import { AddressNotAllowedError, FetchFailedError, isPublicAddress, safeFetchText, type SafeFetchOptions } from '../sites/index.js';
import { LIMITS, normalizeUrl } from '../things/index.js';
import { flattrLinkUrl } from '../widget/index.js';
import { documentKind, readDocument, type PaymentLink } from './read-document.js';

export interface DiscoveredThing {
  /** The thing's URL, as the payment link names it (else the item's own link). */
  url: string;
  title?: string;
  /** The creator the link claims (a claim only, as the button's attribute). */
  creator?: string;
  /** The plain link that flattrs it on this service (`/flattr?url=…`). */
  flattrUrl: string;
  /** Where it was found. */
  source: PaymentLink['source'];
  /** The thing as this service knows it, or null before its first flattr. */
  thingId: string | null;
  count: number;
}

export interface Discovery {
  /** The URL that answered, after redirects. */
  url: string;
  kind: 'html' | 'feed';
  /** The document was longer than the server reads (`MAX_DOCUMENT_BYTES`); things after the cut are missing. */
  truncated: boolean;
  things: DiscoveredThing[];
}

/** Podcast feeds with years of episodes run to megabytes; the newest items come first. */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

const ACCEPT = 'application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.1';

/**
 * Fetches a page or a feed (through the SSRF-safe fetch of site verification)
 * and lists the things its `rel="payment"` links and `<podcast:funding>` name
 * on this service, with their counts. Links to other services are ignored.
 * Writes nothing: a thing is created by its first flattr, as from a button.
 */
export async function discoverThings(ctx: ServerContext, url: string, fetchOptions: Partial<SafeFetchOptions> = {}): Promise<Discovery> {
  normalizeUrl(url); // 400 invalid_url for anything that is not an http(s) URL
  const answer = await fetchDocument(ctx, url, fetchOptions);
  const kind = documentKind(answer.contentType, answer.body);
  if (!kind) {
    throw new UnprocessableError(`${answer.url} is neither an HTML page nor an RSS or Atom feed (${answer.contentType || 'no Content-Type'})`, 'unsupported_document');
  }
  const { links } = readDocument(answer.body, answer.url, kind);
  const found = new Map<string, Omit<DiscoveredThing, 'thingId' | 'count'>>();
  for (const link of links) {
    const thing = thingOf(link, ctx.config.publicUrl);
    if (!thing || found.size >= MAX_COUNT_URLS) continue;
    const key = normalizeUrl(thing.url);
    if (!found.has(key)) found.set(key, { ...thing, flattrUrl: flattrLinkUrl(ctx.config.publicUrl, thing), source: link.source });
  }
  const things = [...found.values()];
  const counts = await countsFor(ctx.db, things.map((t) => t.url));
  return {
    url: answer.url,
    kind,
    truncated: answer.truncated,
    things: things.map((t) => ({ ...t, ...counts[t.url]! })),
  };
}

async function fetchDocument(ctx: ServerContext, url: string, fetchOptions: Partial<SafeFetchOptions>) {
  let answer;
  try {
    answer = await safeFetchText(url, {
      allowAddress: ctx.config.allowPrivateFetch ? () => true : isPublicAddress,
      maxBytes: MAX_DOCUMENT_BYTES,
      accept: ACCEPT,
      ...fetchOptions,
    });
  } catch (error) {
    if (error instanceof AddressNotAllowedError) throw new UnprocessableError(error.message, 'address_not_allowed');
    if (error instanceof FetchFailedError) throw new UnprocessableError(`Could not fetch ${url}: ${error.message}`, 'fetch_failed');
    throw error;
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new UnprocessableError(`${answer.url} answered ${answer.status}`, 'fetch_failed');
  }
  return answer;
}

/**
 * The thing a payment link names when it points at this service's plain
 * link (`{PUBLIC_URL}/flattr?url=…&title=…&creator=…`); without `url`, the
 * item's own link. Null for links elsewhere and for URLs no thing can have.
 */
function thingOf(link: PaymentLink, publicUrl: string): { url: string; title?: string; creator?: string } | null {
  const target = new URL(link.href);
  const service = new URL(publicUrl);
  if (target.origin !== service.origin || target.pathname !== `${service.pathname.replace(/\/+$/, '')}/flattr`) return null;
  const url = target.searchParams.get('url') || link.itemUrl;
  if (!url || url.length > LIMITS.url) return null;
  try {
    normalizeUrl(url);
  } catch {
    return null;
  }
  // As the service would store them: its own /flattr link refuses control characters and lone surrogates.
  const title = toSingleLineText(target.searchParams.get('title') || link.itemTitle || '', LIMITS.title) || undefined;
  const creator = toSingleLineText(target.searchParams.get('creator') ?? '', LIMITS.creator) || undefined;
  return { url, ...(title ? { title } : {}), ...(creator ? { creator } : {}) };
}
