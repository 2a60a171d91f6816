import { z } from 'zod';
import { storedText } from '../../http/stored-text.js';
import { LIMITS, normalizeUrl } from '../../things/index.js';

/** What the element puts in the confirm window's query (and the form posts back). */
export interface ConfirmInput {
  /** The thing's URL as the button sent it (echoed back in the result message). */
  url: string;
  title: string | undefined;
  creator: string | undefined;
  /** The opener page's origin: the only target the result is posted to. */
  origin: string;
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
  origin: z.string({ error: 'origin is required' }).min(1, 'origin is required').max(300),
});

/**
 * Validates the confirm window's parameters. The origin must be exactly a
 * serialized http(s) origin (`https://blog.example`, no path, no trailing
 * slash): it becomes the postMessage target, so anything looser could leak
 * the result (and a site token) to a page the reader never saw.
 */
export function parseConfirmInput(raw: unknown): ConfirmInput {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'query');
    throw new ConfirmInputError(field, `${field}: ${issue.message}`);
  }
  const { url, title, creator, origin } = parsed.data;
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
  params.set('origin', input.origin);
  return params.toString();
}
