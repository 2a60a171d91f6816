import { html, type SafeHtml } from '../pages/index.js';
import { formatMinorUnits } from '../payouts/csv.js';
import { MAIL_STRINGS, type MailLanguage, type MailStrings } from './i18n/index.js';

/** What every email is made of: a subject and the same content as plain text and as HTML. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type MailContent =
  | { kind: 'verify'; name: string; email: string; link: string; hours: number }
  | { kind: 'reset'; name: string; link: string; minutes: number }
  | { kind: 'receipt'; name: string; period: string; amount: number; items: Array<{ title: string; url: string; amount: number }> }
  | { kind: 'earnings'; name: string; period: string; net: number; balance: number; items: Array<{ title: string; url: string; gross: number; fee: number; net: number }> }
  | { kind: 'payout.paid'; name: string; amount: number; reference: string }
  | { kind: 'payout.failed'; name: string; amount: number; reason: string }
  | { kind: 'payout.reversed'; name: string; amount: number; reference: string };

/** A paragraph of the mail: text with placeholders, and an optional link shown as a button in HTML. */
type Block = { text: string } | { link: string; label: string } | { list: string[] };

/** Renders one email in `language`; amounts are minor units of `currency`. */
export function renderMail(content: MailContent, language: MailLanguage, currency: string): RenderedMail {
  const s = MAIL_STRINGS[language];
  const money = (amount: number) => formatMoney(amount, currency, language);
  const period = (p: string) => formatPeriod(p, language);
  let subject: string;
  let blocks: Block[];
  switch (content.kind) {
    case 'verify':
      subject = s.verifySubject;
      blocks = [{ text: fill(s.verifyIntro, { email: content.email }) }, { link: content.link, label: s.verifyAction }, { text: fill(s.verifyExpiry, { hours: content.hours }) }];
      break;
    case 'reset':
      subject = s.resetSubject;
      blocks = [{ text: s.resetIntro }, { link: content.link, label: s.resetAction }, { text: fill(s.resetExpiry, { minutes: content.minutes }) }, { text: s.resetIgnore }];
      break;
    case 'receipt':
      subject = fill(s.receiptSubject, { period: period(content.period) });
      blocks = content.amount === 0
        ? [{ text: s.receiptNothing }]
        : [
          { text: fill(s.receiptIntro, { period: period(content.period), amount: money(content.amount) }) },
          { list: content.items.map((item) => `${fill(s.receiptThing, { title: item.title, amount: money(item.amount) })} <${item.url}>`) },
        ];
      break;
    case 'earnings':
      subject = fill(s.earningsSubject, { period: period(content.period) });
      blocks = [
        { text: fill(s.earningsIntro, { period: period(content.period) }) },
        { list: content.items.map((item) => `${fill(s.earningsThing, { title: item.title, net: money(item.net), gross: money(item.gross), fee: money(item.fee) })} <${item.url}>`) },
        { text: fill(s.earningsTotal, { net: money(content.net) }) },
        { text: fill(s.earningsWallet, { balance: money(content.balance) }) },
      ];
      break;
    case 'payout.paid':
      subject = fill(s.payoutPaidSubject, { amount: money(content.amount) });
      blocks = [{ text: fill(s.payoutPaidBody, { amount: money(content.amount), reference: content.reference }) }];
      break;
    case 'payout.failed':
      subject = fill(s.payoutFailedSubject, { amount: money(content.amount) });
      blocks = [{ text: fill(s.payoutFailedBody, { amount: money(content.amount), reason: content.reason }) }];
      break;
    case 'payout.reversed':
      subject = fill(s.payoutReversedSubject, { amount: money(content.amount) });
      blocks = [{ text: fill(s.payoutReversedBody, { amount: money(content.amount), reference: content.reference }) }];
      break;
  }
  return { subject, text: toText(s, content.name, blocks), html: toHtml(s, subject, content.name, blocks, language) };
}

/** `{name}` → value; unknown placeholders stay as they are. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/**
 * Minor units in the language's money format (1234 EUR → "€12.34", "12,34 €"),
 * without floating point: the decimal string is built from integers and
 * handed to Intl as a string, which it formats exactly.
 */
export function formatMoney(amount: number, currency: string, language: string): string {
  const decimal = formatMinorUnits(amount, currency);
  // Intl formats a decimal string exactly (ES2023); this TypeScript lib types only numbers.
  return new Intl.NumberFormat(language, { style: 'currency', currency }).format(decimal as unknown as number);
}

/** `2026-11` → "November 2026" in the language. */
export function formatPeriod(period: string, language: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(year, month - 1, 1));
}

function toText(s: MailStrings, name: string, blocks: Block[]): string {
  const lines = [fill(s.greeting, { name }), ''];
  for (const block of blocks) {
    if ('text' in block) lines.push(block.text, '');
    else if ('link' in block) lines.push(`${block.label}:`, block.link, '');
    else lines.push(...block.list.map((item) => `- ${item}`), '');
  }
  lines.push('-- ', s.signature, '');
  return lines.join('\n');
}

function toHtml(s: MailStrings, subject: string, name: string, blocks: Block[], language: string): string {
  const body: SafeHtml[] = blocks.map((block) => {
    if ('text' in block) return html`<p>${block.text}</p>`;
    if ('link' in block) {
      return html`<p><a href="${block.link}" style="display:inline-block;padding:10px 16px;background:#7a4ccf;color:#fff;text-decoration:none;border-radius:6px">${block.label}</a></p>
<p style="font-size:13px;color:#555">${block.link}</p>`;
    }
    return html`<ul>${block.list.map((item) => html`<li>${item}</li>`)}</ul>`;
  });
  return html`<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222;max-width:560px">
<p>${fill(s.greeting, { name })}</p>
${body}
<p style="color:#555">— ${s.signature}</p>
</body></html>
`.value;
}
