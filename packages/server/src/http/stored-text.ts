import { z } from 'zod';

/**
 * Characters no stored text may hold: C0 controls (NUL, BEL, ESC…), DEL, C1
 * controls (NEL, CSI…) and lone UTF-16 surrogates (not Unicode text; the
 * driver would store them as U+FFFD). They render as nothing or as terminal
 * escapes in logs, CSV exports and other clients, and NUL truncates strings
 * in C-based tools. Multi-line text (a description) may keep tab, LF and CR.
 * Written as a `pattern` (not a refinement) so the OpenAPI document says it too.
 */
const SINGLE_LINE = /^[^\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]*$/u;
const MULTI_LINE = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]*$/u;

/**
 * The one schema for a user-supplied string the server stores and shows
 * again (names, titles, descriptions, tags, `creator`, references): trimmed,
 * length-checked, and free of control characters. Every such field uses it.
 *
 * @param label how messages name the field, e.g. `title`, `a tag`
 * @param max at most this many UTF-16 code units after trimming
 */
export function storedText(label: string, max: number, options: { min?: number; multiline?: boolean } = {}) {
  const min = options.min ?? 0;
  let schema = z.string().trim();
  if (min > 0) schema = schema.min(min, min === 1 ? `${label} must not be empty` : `${label} is at least ${min} characters`);
  return schema
    .max(max, `${label} is at most ${max} characters`)
    .regex(options.multiline ? MULTI_LINE : SINGLE_LINE, options.multiline
      ? `${label} must not contain control characters (tab and line breaks are fine) or text that is not valid Unicode`
      : `${label} must not contain control characters or line breaks, or text that is not valid Unicode`);
}

/** Whether `value` may be stored as single-line text (for values that do not pass through a schema). */
export function isSingleLineText(value: string): boolean {
  return SINGLE_LINE.test(value);
}

/** A control character or a lone surrogate: what no stored single-line text may hold. */
const NOT_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text read from someone else's document (a feed's titles, a payment link's
 * query) made into text `storedText` accepts, for values the service offers
 * on rather than refuses: control characters and line breaks become spaces,
 * runs of whitespace one space, and the cut at `max` keeps a surrogate pair
 * whole. May return ''.
 */
export function toSingleLineText(value: string, max: number): string {
  let text = value.replace(NOT_SINGLE_LINE, ' ').replace(/\s+/g, ' ').trim();
  if (text.length > max) {
    text = text.slice(0, max);
    if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
    text = text.trimEnd();
  }
  return text;
}
