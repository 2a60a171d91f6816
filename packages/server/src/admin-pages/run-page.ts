import type { RunJson, Stage } from '../distribution/index.js';
import type { LedgerReport } from '../ledger/index.js';
import { card, figure, html, PAGE_SCRIPTS_PATH, type PageRequest, type SafeHtml } from '../pages/index.js';

const STAGES: readonly Stage[] = ['snapshot', 'write', 'apply', 'returns', 'finalize', 'done'];
/** How often the page without JavaScript reloads while the run is at work. */
const REFRESH_SECONDS = 2;

/** The run's live figures as the page shows them: the page renders them, and its script's status endpoint answers them. */
export function runFields(page: PageRequest, run: RunJson): Record<string, string> {
  const { fmt, t } = page;
  return {
    status: t(`admin.run.status.${run.status}`),
    stage: t(`admin.run.stage.${run.stage}`),
    usersSnapshotted: fmt.count(run.progress.usersSnapshotted),
    readersDone: fmt.count(run.progress.readersDone),
    clicksDone: fmt.count(run.progress.clicksDone),
    accountsCredited: fmt.count(run.progress.accountsCredited),
    escrowDone: fmt.count(run.progress.escrowDone),
    contributed: fmt.money(run.totals.contributed),
    fees: fmt.money(run.totals.fees),
    toCreators: fmt.money(run.totals.toCreators),
    toEscrow: fmt.money(run.totals.toEscrow),
    returned: fmt.money(run.totals.returned),
    releasedLate: fmt.money(run.totals.releasedLate),
  };
}

/** `/admin/distributions/:period`: a run's stages, progress, totals and ledger checks; live while it runs. */
export function renderRun(page: PageRequest, run: RunJson): void {
  const { t, fmt } = page;
  const fields = runFields(page, run);
  const live = run.status === 'running';
  const field = (name: keyof ReturnType<typeof runFields>, amount?: number) =>
    html`<span data-run-field="${name}"${amount === undefined ? '' : html` data-amount="${amount}" data-figure="run-${name}"`}>${fields[name]}</span>`;
  const current = STAGES.indexOf(run.stage);
  page.send({
    title: t('admin.run.title', { month: fmt.period(run.period) }),
    current: 'admin',
    refreshSeconds: live ? REFRESH_SECONDS : undefined,
    scripts: live ? [`${PAGE_SCRIPTS_PATH}/distribution-progress.js`] : undefined,
    security: live ? { connectSrc: ["'self'"] } : undefined,
    body: html`<p><a href="/admin">${t('admin.run.back')}</a></p>
<h1>${t('admin.run.title', { month: fmt.period(run.period) })}</h1>
<section id="run" data-status-url="/admin/distributions/${run.period}/status.json" data-status="${run.status}" aria-live="polite">
<p>${t('admin.run.statusLabel')}: <strong>${field('status')}</strong> · ${t('admin.run.stageLabel')}: ${field('stage')}</p>
${run.error ? html`<p class="error" role="alert">${run.error}</p>` : ''}
<ol class="stages" aria-label="${t('admin.run.stages')}">${STAGES.map((stage, i) => html`<li data-stage="${stage}"${i < current || run.stage === 'done' ? html` class="done"` : ''}${i === current && run.stage !== 'done' ? html` aria-current="step"` : ''}>${t(`admin.run.stage.${stage}`)}</li>`)}</ol>
${live ? html`<p class="muted">${t('admin.run.live')} <a href="/admin/distributions/${run.period}">${t('admin.run.reload')}</a></p>` : ''}
${card('run-progress', t('admin.run.progress'), html`<dl class="figures">
${figure(t('admin.run.usersSnapshotted'), field('usersSnapshotted'))}
${figure(t('admin.run.readersDone'), field('readersDone'))}
${figure(t('admin.run.clicksDone'), field('clicksDone'))}
${figure(t('admin.run.accountsCredited'), field('accountsCredited'))}
${figure(t('admin.run.escrowDone'), field('escrowDone'))}
</dl>`)}
${card('run-totals', t('admin.run.totals'), html`<dl class="figures">
${figure(t('col.contributed'), field('contributed', run.totals.contributed))}
${figure(t('col.toCreators'), field('toCreators', run.totals.toCreators))}
${figure(t('col.fee'), field('fees', run.totals.fees))}
${figure(t('col.toEscrow'), field('toEscrow', run.totals.toEscrow))}
${figure(t('col.returned'), field('returned', run.totals.returned))}
${figure(t('admin.run.releasedLate'), field('releasedLate', run.totals.releasedLate))}
</dl>
<p class="muted">${t('admin.run.counts', { readers: fmt.count(run.totals.readers), paying: fmt.count(run.totals.payingReaders), things: fmt.count(run.totals.things) })}</p>`)}
<div class="grid">
${ledgerCheck(page, 'ledger-before', t('admin.run.ledgerBefore'), run.ledgerBefore)}
${ledgerCheck(page, 'ledger-after', t('admin.run.ledgerAfter'), run.ledgerAfter)}
</div>
</section>`,
  });
}

function ledgerCheck(page: PageRequest, id: string, heading: string, report: LedgerReport | null): SafeHtml {
  const { t, fmt } = page;
  const content = !report
    ? html`<p class="muted">${t('admin.run.notYet')}</p>`
    : report.ok
      ? html`<p class="notice" data-ok="true">${t('admin.ledger.ok', { entries: fmt.count(report.entries), accounts: fmt.count(report.accounts) })}</p>`
      : html`<p class="error" data-ok="false">${t('admin.ledger.bad', { count: fmt.count(report.violationCount) })}</p>
<ul>${report.violations.slice(0, 10).map((v) => html`<li><code>${v.kind}</code> ${JSON.stringify(v)}</li>`)}</ul>`;
  return card(id, heading, content);
}
