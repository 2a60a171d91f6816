import type { Request, Response } from 'express';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import type { Role } from '../http/auth-context.js';
import { CSRF_FIELD, csrfToken, sessionFromRequest, verifyCsrf, type Session } from '../auth/index.js';
import { formattersFor, type Formatters } from './format.js';
import { html, type SafeHtml } from './html.js';
import { LANGUAGE_NAMES, PAGE_LANGUAGES, pageLanguage, translator, type Lang, type Translate } from './i18n/index.js';
import { renderPage } from './layout.js';
import { sendPage, type PageSecurity } from './send-page.js';

/** Who may see a page: anyone, anyone logged in, or a role (others get 403; without a session, the login page). */
export type PageAccess = 'public' | 'user' | Role;
/** The navigation entry a page belongs to (marked `aria-current`). */
export type NavKey = 'account' | 'creator' | 'admin' | 'settings' | 'public';

export interface PageView {
  title: string;
  body: SafeHtml;
  current?: NavKey;
  /** Same-origin enhancement scripts (static files; the CSP then allows `'self'` scripts). */
  scripts?: string[];
  /** Extra `<head>` markup, e.g. a page's own stylesheet. */
  head?: SafeHtml;
  /** Reload after this many seconds (progress without JavaScript). */
  refreshSeconds?: number;
  status?: number;
  security?: PageSecurity;
}

/**
 * One page request: who asks (session), in which language, with the CSRF
 * token for its forms, and how to send the page in the service's frame.
 * Routes get one from `openPage` and call domain functions; nothing here
 * knows about money.
 */
export interface PageRequest {
  ctx: ServerContext;
  req: Request;
  res: Response;
  session: Session | null;
  lang: Lang;
  t: Translate;
  fmt: Formatters;
  /**
   * The CSRF token of the page's forms: the session's; without a session, the
   * pre-login double-submit token when the page has forms (`openPage`'s
   * `forms`), else '' (most public pages change nothing, and set no cookie).
   */
  csrf: string;
  /** `<input type="hidden" name="_csrf">` for a form. */
  csrfField(): SafeHtml;
  hasRole(role: Role): boolean;
  send(view: PageView): void;
  /** The page of a refused request: status, the stable code and what happened, with a way back. */
  problem(status: number, code: string, detail: string, back?: string): void;
  /** 303 to a page of ours (after a form post: reloading the result does not post again). */
  redirect(path: string): void;
}

/**
 * Opens a page for `access`, or answers for it: without a session a
 * non-public page sends the browser to the login page (coming back
 * afterwards), a missing role gets a 403 page. Returns undefined when it
 * answered.
 */
export async function openPage(
  ctx: ServerContext, req: Request, res: Response, access: PageAccess, options: { forms?: boolean } = {},
): Promise<PageRequest | undefined> {
  const lang = pageLanguage(ctx, req, res);
  const session = await sessionFromRequest(ctx, req);
  const page = createPageRequest(ctx, req, res, lang, session, session || options.forms ? await csrfToken(ctx, req, res) : '');
  if (access === 'public') return page;
  if (!session) {
    // A form post has no page to come back to: return to the page it came from, its referrer path if ours.
    const next = req.method === 'GET' ? req.originalUrl : sameOriginPath(ctx, req.get('referer')) ?? '/account';
    res.redirect(303, `/account/login?${new URLSearchParams({ next })}`);
    return undefined;
  }
  if (access !== 'user' && !page.hasRole(access)) {
    page.problem(403, 'insufficient_role', page.t('problem.role', { role: page.t(`role.${access}`) }), '/account');
    return undefined;
  }
  return page;
}

/**
 * A form post: the session (else the login page; `public` forms, such as
 * "forgot password", need none), the role, the CSRF token (403 `csrf_failed`
 * page, nothing done), then `action`. A refusal from the domain (4xx
 * AppError) becomes its problem page; anything else stays a 500.
 */
export async function handleForm(
  ctx: ServerContext, req: Request, res: Response, access: PageAccess,
  action: (page: PageRequest) => Promise<void>,
): Promise<void> {
  const page = await openPage(ctx, req, res, access, { forms: true });
  if (!page) return;
  try {
    await verifyCsrf(ctx, req);
    await action(page);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500 || res.headersSent) throw error;
    page.problem(error.status, error.code, error.message, sameOriginPath(ctx, req.get('referer')));
  }
}

function createPageRequest(ctx: ServerContext, req: Request, res: Response, lang: Lang, session: Session | null, csrf: string): PageRequest {
  const t = translator(lang);
  const page: PageRequest = {
    ctx, req, res, session, lang, t, csrf,
    fmt: formattersFor(lang, ctx.config.currency),
    csrfField: () => html`<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">`,
    hasRole: (role) => session?.user.roles.includes(role) ?? false,
    send(view) {
      sendPage(res, renderPage({
        title: view.title,
        body: view.body,
        lang,
        scripts: view.scripts,
        head: view.head,
        refreshSeconds: view.refreshSeconds,
        frame: {
          nav: navigation(page, view.current),
          footer: footer(page, view.current),
          banner: ctx.config.demoMode ? demoBanner(page) : undefined,
          skipLabel: t('nav.skip'),
        },
      }), {
        ...view.security,
        status: view.status,
        ...(view.scripts?.length ? { scriptSrc: ["'self'", ...(view.security?.scriptSrc ?? [])] } : {}),
      });
    },
    problem(status, code, detail, back) {
      page.send({
        title: t('problem.title'),
        status,
        body: html`<h1>${t(status === 403 ? 'problem.forbidden' : status === 404 ? 'problem.notFound' : 'problem.title')}</h1>
<p class="error" role="alert" data-code="${code}">${detail}</p>
<p class="muted">${t('problem.code')}: <code>${code}</code></p>
<p><a href="${back ?? '/account'}">${t('problem.back')}</a></p>`,
      });
    },
    redirect(path) {
      res.set('Cache-Control', 'no-store').redirect(303, path);
    },
  };
  return page;
}

function navigation(page: PageRequest, current: NavKey | undefined): SafeHtml {
  const { t, session } = page;
  const link = (key: NavKey, href: string, label: string) =>
    html`<li><a href="${href}"${current === key ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const here = page.req.originalUrl;
  const items = session
    ? [
      link('account', '/account', t('nav.account')),
      link('creator', '/creator', t('nav.creator')),
      page.hasRole('admin') ? link('admin', '/admin', t('nav.admin')) : '',
      link('settings', '/settings', t('nav.settings')),
      html`<li><form method="post" action="/account/logout">${page.csrfField()}<button type="submit" class="secondary small">${t('nav.logout')}</button></form></li>`,
    ]
    : [
      html`<li><a href="/account/login?${new URLSearchParams({ next: here })}">${t('nav.login')}</a></li>`,
      html`<li><a href="/account/signup?${new URLSearchParams({ next: here })}">${t('nav.signup')}</a></li>`,
    ];
  return html`<header class="topbar">
<a class="brand" href="${session ? '/account' : '/'}">Flattr</a>
<nav aria-label="${t('nav.label')}"><ul>
${session ? html`<li class="muted">${session.user.name || session.user.email}</li>` : ''}
${items}
</ul></nav>
</header>`;
}

/** Where each navigation entry lives (a page shown in answer to a form post switches language there). */
const NAV_PATHS: Record<NavKey, string> = { account: '/account', creator: '/creator', admin: '/admin', settings: '/settings', public: '/' };

function footer(page: PageRequest, current: NavKey | undefined): SafeHtml {
  const here = page.req.method === 'GET' ? page.req.originalUrl : NAV_PATHS[current ?? 'account'];
  const url = new URL(here, 'http://x');
  const links = PAGE_LANGUAGES.map((lang) => {
    url.searchParams.set('lang', lang);
    return html`<li><a href="${url.pathname}${url.search}" hreflang="${lang}" lang="${lang}"${lang === page.lang ? html` aria-current="true"` : ''}>${LANGUAGE_NAMES[lang]}</a></li>`;
  });
  return html`<footer class="page-footer">
<nav aria-label="${page.t('nav.languages')}"><ul>${links}</ul></nav>
</footer>`;
}

function demoBanner(page: PageRequest): SafeHtml {
  const { t, fmt } = page;
  return html`<aside class="demo-banner" aria-label="${t('demo.label')}">
<p><strong>${t('demo.label')}</strong> · ${t('demo.banner')} ${t('demo.today', { date: fmt.date(page.ctx.clock.now()) })}</p>
</aside>`;
}

/** The path of a URL on our own origin (a Referer), or undefined. */
function sameOriginPath(ctx: ServerContext, value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.origin === new URL(ctx.config.publicUrl).origin ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}
