/**
 * The SVG of a badge: "Flattr | 1,234", drawn without fonts we cannot rely on
 * (each text is stretched to a width computed here, as shields.io does), with
 * an accessible name, in a light, a dark or an `auto` palette that follows
 * `prefers-color-scheme` inside the image.
 */

export type BadgeTheme = 'light' | 'dark' | 'auto';
export const BADGE_THEMES: readonly BadgeTheme[] = ['light', 'dark', 'auto'];

export interface BadgeContent {
  /** Left part, e.g. `Flattr`. */
  label: string;
  /** Right part, e.g. `1,234`. */
  message: string;
  /** The accessible name (`<title>` and `aria-label`), e.g. `Flattr “My post”: 1,234 flattrs`. */
  title: string;
  theme: BadgeTheme;
}

interface Palette {
  labelFill: string;
  labelText: string;
  messageFill: string;
  messageText: string;
}

// The button's own colours (packages/widget flattr-button.styles.ts), so badge and button look alike;
// each pair meets WCAG AA contrast (4.5:1) for the 11 px text.
const LIGHT: Palette = { labelFill: '#1e6b34', labelText: '#fff', messageFill: '#e3f3e7', messageText: '#1e6b34' };
const DARK: Palette = { labelFill: '#7ed396', labelText: '#0d2414', messageFill: '#1c3b25', messageText: '#c9f2d4' };

const HEIGHT = 20;
const PADDING = 6;

export function renderBadgeSvg(content: BadgeContent): string {
  const label = xmlText(content.label);
  const message = xmlText(content.message);
  const title = xmlText(content.title);
  const labelWidth = Math.ceil(textWidth(content.label)) + 2 * PADDING;
  const messageWidth = Math.ceil(textWidth(content.message)) + 2 * PADDING;
  const width = labelWidth + messageWidth;
  const text = (x: number, value: string, cls: string, w: number) =>
    `<text class="${cls}" x="${x}" y="14" textLength="${Math.ceil(w)}" lengthAdjust="spacingAndGlyphs">${value}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-label="${title}">`
    + `<title>${title}</title>`
    + `<style>${paletteCss(content.theme)}text{font:11px Verdana,"DejaVu Sans",sans-serif}</style>`
    + `<rect class="l" width="${labelWidth}" height="${HEIGHT}" rx="3"/>`
    + `<rect class="m" x="${labelWidth - 3}" width="${messageWidth + 3}" height="${HEIGHT}" rx="3"/>`
    + `<rect class="m" x="${labelWidth}" width="3" height="${HEIGHT}"/>`
    + text(PADDING, label, 'lt', textWidth(content.label))
    + text(labelWidth + PADDING, message, 'mt', textWidth(content.message))
    + '</svg>';
}

function paletteCss(theme: BadgeTheme): string {
  const rules = (p: Palette) => `.l{fill:${p.labelFill}}.lt{fill:${p.labelText}}.m{fill:${p.messageFill}}.mt{fill:${p.messageText}}`;
  if (theme === 'dark') return rules(DARK);
  if (theme === 'light') return rules(LIGHT);
  return `${rules(LIGHT)}@media (prefers-color-scheme:dark){${rules(DARK)}}`;
}

/**
 * Escapes text for XML content and attribute values, and drops what XML 1.0
 * cannot hold at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF): one
 * such character in a thing's title would make the whole image unreadable.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// Advance widths of Verdana at 11 px (what shields.io measures with), for the characters badges show;
// anything else counts as a wide letter. The text is stretched to this width, so other fonts fit too.
const WIDTHS: Record<string, number> = {
  ' ': 3.9, ',': 3.6, '.': 3.6, k: 6.5, M: 9.9, F: 6.9, l: 3.1, a: 6.7, t: 4.3, r: 4.7,
};
const DIGIT = 7;
const OTHER = 7.5;

function textWidth(text: string): number {
  let width = 0;
  for (const c of text) width += c >= '0' && c <= '9' ? DIGIT : WIDTHS[c] ?? OTHER;
  return width;
}

/** `7`, `1,234`, `12.3k`, `1.2M`: short enough for a badge, never more than the real count. */
export function shortCount(count: number): string {
  if (count < 10_000) return count.toLocaleString('en-US');
  if (count < 1_000_000) return `${truncate(count / 1000, count < 100_000 ? 1 : 0)}k`;
  return `${truncate(count / 1_000_000, count < 100_000_000 ? 1 : 0)}M`;
}

function truncate(value: number, decimals: number): string {
  const factor = 10 ** decimals;
  return (Math.floor(value * factor) / factor).toFixed(decimals);
}
