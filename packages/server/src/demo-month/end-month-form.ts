import { periodOf } from '../money/index.js';
import { card, html, type PageRequest, type SafeHtml } from '../pages/index.js';

/** The demo's "end the month now" control (shown on /account and /admin in demo mode only). */
export function demoEndMonthForm(page: PageRequest, back: '/account' | '/admin'): SafeHtml {
  const { t, fmt } = page;
  const period = periodOf(page.ctx.clock.now());
  return card('demo-end-month', t('demo.endMonth.heading'), html`<p>${t('demo.endMonth.explain', { month: fmt.period(period) })}</p>
<form method="post" action="/demo/end-month" class="row">
${page.csrfField()}
<input type="hidden" name="period" value="${period}">
<input type="hidden" name="back" value="${back}">
<button type="submit">${t('demo.endMonth.button', { month: fmt.period(period) })}</button>
</form>
<p class="muted">${t('demo.endMonth.note')}</p>`);
}
