import { z } from 'zod';
import { storedText } from '../../http/stored-text.js';
import { LIMITS, normalizeUrl } from '../../things/index.js';

/** What the element puts in the confirm window's query (and the form posts back). */
export interface ConfirmInput {
  /** The thing's URL as the button sent it (echoed back in the result message). */
  url: string;
  title: string | undefined;
  creator: string | undefined;
  /**
   * The opener page's origin: the only target the result is posted to. In the
   * full-page flow (`returnTo`), the origin of the page the reader goes back to.
   */
  origin: string;
  /**
   * Set for the full-page flow (the plain `/flattr` link, no script on the
   * page): where the reader goes back after confirming. Always on the thing's
   * own origin; no window is posted to and no site token is issued.
   */
  returnTo?: string;
}

export class ConfirmInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const optionalText = (label: string, max: number) => storedText(label, max).optional().transform((v) => (v ? v : undefined));

const schema = z.object({
  url: z.string({ error: 'url is required' }).min(1, 'url is required').max(LIMITS.url),
  title: optionalText('title', LIMITS.title),
  creator: optionalText('creator', LIMITS.creator),
  origin: z.string().min(1, 'origin is required').max(300).optional(),
  return: z.string().min(1, 'return is required').max(LIMITS.url).optional(),
});

/**
 * Validates the confirm window's parameters. The origin must be exactly a
 * serialized http(s) origin (`https://blog.example`, no path, no trailing
 * slash): it becomes the postMessage target, so anything looser could leak
 * the result (and a site token) to a page the reader never saw.
 *
 * @param serviceUrl this service's public URL: its own public pages are a way back too (`isWayBack`)
 */
export function parseConfirmInput(raw: unknown, serviceUrl?: string): ConfirmInput {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'query');
    throw new ConfirmInputError(field, `${field}: ${issue.message}`);
  }
  const { url, title, creator, origin, return: returnTo } = parsed.data;
  if (returnTo !== undefined) {
    if (origin !== undefined) throw new ConfirmInputError('origin', 'give either origin (a window) or return (a full page), not both');
    return { url, title, creator, origin: returnOrigin(url, returnTo, serviceUrl), returnTo };
  }
  if (origin === undefined) throw new ConfirmInputError('origin', 'origin: origin is required');
  if (!isExactHttpOrigin(origin)) {
    throw new ConfirmInputError('origin', `origin must be an http or https origin such as https://blog.example, got "${origin.slice(0, 100)}"`);
  }
  try {
    normalizeUrl(url);
  } catch (error) {
    throw new ConfirmInputError('url', `url: ${(error as Error).message}`);
  }
  return { url, title, creator, origin };
}

/**
 * The full-page flow goes back only to a page of the thing's own site, or to
 * one of this service's public pages (whose buttons fall back to the plain
 * link too): never anywhere a link's author names (that would make `/flattr`
 * an open redirect under the service's name). Answers that page's origin.
 */
function returnOrigin(url: string, returnTo: string, serviceUrl: string | undefined): string {
  let thing: URL;
  try {
    normalizeUrl(url);
    thing = new URL(url.trim());
  } catch (error) {
    throw new ConfirmInputError('url', `url: ${(error as Error).message}`);
  }
  let target: URL;
  try {
    target = new URL(returnTo);
  } catch {
    throw new ConfirmInputError('return', 'return must be an absolute URL');
  }
  if (!isWayBack(target, thing, serviceUrl)) {
    throw new ConfirmInputError('return', `return must be a page on ${thing.origin}, the thing's own site (or a thing's or creator's page on this service)`);
  }
  return target.origin;
}

/**
 * Where the full page may send the reader back: a page of the thing's own
 * site, or a public page of this service that shows Flattr buttons
 * (`/things…`, `/creators/…`, src/public-pages). Never with credentials.
 */
export function isWayBack(target: URL, thing: URL, serviceUrl: string | undefined): boolean {
  if (target.username || target.password) return false;
  if (target.origin === thing.origin) return true;
  return serviceUrl !== undefined && target.origin === new URL(serviceUrl).origin && /^\/(things(\/|$)|creators\/)/.test(target.pathname);
}

export function isExactHttpOrigin(value: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return false;
  }
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.origin === value;
}

/** The query string that reopens the confirm window for this input (login's `next`, the form's action). */
export function confirmQuery(input: ConfirmInput): string {
  const params = new URLSearchParams({ url: input.url });
  if (input.title) params.set('title', input.title);
  if (input.creator) params.set('creator', input.creator);
  if (input.returnTo) params.set('return', input.returnTo);
  else params.set('origin', input.origin);
  return params.toString();
}
