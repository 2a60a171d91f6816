import { card, html, type PageRequest } from '../pages/index.js';
import { DEMO_ADMIN, DEMO_CREATORS, DEMO_PASSWORD, DEMO_READER, demoBlogOrigin } from './demo-people.js';

/** `/welcome`: what the demo holds and the month to walk through, step by step. */
export function renderWelcome(page: PageRequest): void {
  const { t } = page;
  const service = page.ctx.config.publicUrl;
  const account = (email: string, role: string) => html`<tr><td><code>${email}</code></td><td>${role}</td></tr>`;
  page.send({
    title: t('welcome.title'),
    current: 'public',
    body: html`<h1>${t('welcome.title')}</h1>
<p>${t('welcome.intro')}</p>
${card('welcome-accounts', t('welcome.accounts'), html`<p>${t.html('welcome.password', { password: html`<code>${DEMO_PASSWORD}</code>` })}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">${t('col.email')}</th><th scope="col">${t('col.roles')}</th></tr></thead>
<tbody>${account(DEMO_READER.email, t('welcome.asReader'))}${DEMO_CREATORS.map((c) => account(c.email, t('welcome.asCreator', { blog: c.blog })))}${account(DEMO_ADMIN.email, t('welcome.asAdmin'))}</tbody></table></div>`)}
${card('welcome-steps', t('welcome.steps'), html`<ol>
<li>${t.html('welcome.step.login', { link: html`<a href="/account/login?next=%2Faccount">${t('nav.login')}</a>`, email: html`<code>${DEMO_READER.email}</code>` })}</li>
<li>${t.html('welcome.step.flattr', { blogs: html`${DEMO_CREATORS.map((c, i) => html`${i ? ', ' : ''}<a href="${demoBlogOrigin(c, service)}/">${c.blog}</a>`)}`, demo: html`<a href="/demo/">${t('welcome.demoBlog')}</a>` })}</li>
<li>${t.html('welcome.step.account', { link: html`<a href="/account">${t('nav.account')}</a>` })}</li>
<li>${t('welcome.step.end')}</li>
<li>${t.html('welcome.step.creator', { email: html`<code>${DEMO_CREATORS[0]!.email}</code>`, link: html`<a href="/creator">${t('nav.creator')}</a>` })}</li>
<li>${t.html('welcome.step.admin', { email: html`<code>${DEMO_ADMIN.email}</code>`, link: html`<a href="/admin">${t('nav.admin')}</a>` })}</li>
</ol>
<p class="muted">${t('welcome.localhost')}</p>`)}`,
  });
}
