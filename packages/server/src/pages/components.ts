import type { ObjectId } from 'mongodb';
import type { Formatters } from './format.js';
import { html, type SafeHtml } from './html.js';

/**
 * An amount as the reader reads it, carrying its exact minor units in
 * `data-amount` (tests and scripts compare those with the ledger, not the
 * localised text).
 */
export function money(fmt: Formatters, amount: number, figure?: string): SafeHtml {
  return html`<span class="money" data-amount="${amount}"${figure ? html` data-figure="${figure}"` : ''}>${fmt.money(amount)}</span>`;
}

/** One labelled figure of a `<dl class="figures">`. */
export function figure(label: string, value: SafeHtml | string): SafeHtml {
  return html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** A notice after an action (`role="status"`: screen readers announce it). */
export function notice(text: string | undefined, kind: 'ok' | 'error' = 'ok'): SafeHtml | '' {
  if (!text) return '';
  return html`<p class="${kind === 'ok' ? 'notice' : 'error'}" role="${kind === 'ok' ? 'status' : 'alert'}">${text}</p>`;
}

/** A link to a thing's public page, named by its title (or URL). */
export function thingLink(thing: { _id: ObjectId | string; title?: string | null; url?: string | null }): SafeHtml {
  const id = typeof thing._id === 'string' ? thing._id : thing._id.toHexString();
  return html`<a href="/things/${id}" class="url">${thing.title || thing.url || id}</a>`;
}

/** A link to a creator's public page. */
export function creatorLink(id: string, name: string | undefined): SafeHtml {
  return html`<a href="/creators/${id}">${name || id}</a>`;
}

/** A section with a heading that names it for assistive technology. */
export function card(id: string, heading: string, content: SafeHtml, headingLevel: 2 | 3 = 2): SafeHtml {
  const h = headingLevel === 2 ? html`<h2 id="${id}-heading">${heading}</h2>` : html`<h3 id="${id}-heading">${heading}</h3>`;
  return html`<section class="card" id="${id}" aria-labelledby="${id}-heading">
${h}
${content}
</section>`;
}

export interface ChartBar {
  label: string;
  value: number;
  /** Text shown above the bar (e.g. the formatted amount). */
  display: string;
}

/**
 * A small bar chart in inline SVG (its attributes are not styles, so the
 * strict CSP holds). It is a picture of the table beside it: `role="img"`
 * with a label, the numbers themselves are in the table.
 */
export function barChart(bars: ChartBar[], label: string): SafeHtml {
  if (bars.length === 0) return html``;
  const width = 560;
  const height = 180;
  const top = 22;
  const bottom = 24;
  const slot = width / bars.length;
  const barWidth = Math.min(48, slot * 0.6);
  const max = Math.max(1, ...bars.map((b) => b.value));
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">
<line x1="0" y1="${height - bottom}" x2="${width}" y2="${height - bottom}"></line>
${bars.map((bar, i) => {
    const h = Math.round(((height - top - bottom) * Math.max(0, bar.value)) / max);
    const x = Math.round(i * slot + (slot - barWidth) / 2);
    const y = height - bottom - h;
    return html`<rect class="bar" x="${x}" y="${y}" width="${Math.round(barWidth)}" height="${h}"></rect>
<text x="${Math.round(i * slot + slot / 2)}" y="${y - 6}" text-anchor="middle">${bar.display}</text>
<text x="${Math.round(i * slot + slot / 2)}" y="${height - 6}" text-anchor="middle">${bar.label}</text>`;
  })}
</svg>`;
}

/** A POST form of one button (withdraw, pause, mark paid…), with the CSRF field. */
export function buttonForm(action: string, csrfField: SafeHtml, label: string, options: { secondary?: boolean; ariaLabel?: string; fields?: Record<string, string> } = {}): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">${csrfField}${Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit" class="${options.secondary === false ? '' : 'secondary '}small"${options.ariaLabel ? html` aria-label="${options.ariaLabel}"` : ''}>${label}</button></form>`;
}
