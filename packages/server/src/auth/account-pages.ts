import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { html, pageLanguage, renderPage, sendPage, type SafeHtml } from '../pages/index.js';
import { createUser } from '../accounts/users.js';
import { nameSchema } from '../accounts/schemas.js';
import { sendVerificationLater } from './email-verification.js';
import { CSRF_FIELD, csrfToken, verifyCsrf } from './csrf.js';
import { loginWithPassword } from './login.js';
import { safeNextPath } from './next-path.js';
import { emailSchema, passwordSchema } from './schemas.js';
import { endSession, sessionFromRequest, startSession } from './sessions.js';

const htmlPage = { description: 'HTML page', contentType: 'text/html' };
const redirect = { description: 'Redirect (to `next` after login, or to the login page)' };
const formText = z.string().max(2000).optional();

/** The service's own login, signup and logout pages (first-party session cookie). `/account` itself is the reader's dashboard (reader-pages/). */
export function accountPageRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/account/login',
      summary: 'Login page (`next`: a path on this service to return to; `reset=done` after a password reset)',
      tags: ['pages'],
      query: z.object({ next: formText, reset: z.enum(['done']).optional().catch(undefined) }),
      responses: { 200: htmlPage, 303: redirect },
      handler: async ({ req, res, query }) => {
        const next = safeNextPath(query.next);
        if (await sessionFromRequest(ctx, req)) return void res.redirect(303, next);
        await showLogin(ctx, req, res, { next, reset: query.reset === 'done' });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/login',
      summary: 'Log in (form post with the CSRF token)',
      tags: ['pages'],
      body: z.object({ email: formText, password: formText, next: formText, [CSRF_FIELD]: formText }),
      responses: {
        303: redirect,
        401: { ...htmlPage, description: 'The form again, with the error' },
        403: { description: '`csrf_failed`' },
        429: { ...htmlPage, description: 'The form again: too many failed logins, with `Retry-After`' },
      },
      handler: async ({ req, res, body }) => {
        await verifyCsrf(ctx, req);
        const next = safeNextPath(body.next);
        try {
          const user = await loginWithPassword(ctx, body.email ?? '', body.password ?? '', { ip: req.ip });
          await startSession(ctx, req, res, user._id);
        } catch (error) {
          if (!(error instanceof AppError) || (error.status !== 401 && error.status !== 429)) throw error;
          res.set(error.headers);
          return void await showLogin(ctx, req, res, { next, email: body.email, error: error.message, status: error.status });
        }
        res.redirect(303, next);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/account/signup',
      summary: 'Signup page',
      tags: ['pages'],
      query: z.object({ next: formText }),
      responses: { 200: htmlPage, 303: redirect },
      handler: async ({ req, res, query }) => {
        const next = safeNextPath(query.next);
        if (await sessionFromRequest(ctx, req)) return void res.redirect(303, next);
        await showSignup(ctx, req, res, { next });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/signup',
      summary: 'Create an account and log in (form post with the CSRF token)',
      tags: ['pages'],
      body: z.object({ email: formText, password: formText, name: formText, next: formText, [CSRF_FIELD]: formText }),
      responses: {
        303: redirect,
        400: { ...htmlPage, description: 'The form again: invalid email or password too short' },
        409: { ...htmlPage, description: 'The form again: the email has an account' },
        403: { description: '`csrf_failed`' },
      },
      handler: async ({ req, res, body }) => {
        await verifyCsrf(ctx, req);
        const next = safeNextPath(body.next);
        const again = (error: string, status: number) => showSignup(ctx, req, res, { next, email: body.email, name: body.name, error, status });
        const email = emailSchema.safeParse(body.email ?? '');
        if (!email.success) return void await again('Please enter a valid email address.', 400);
        const password = passwordSchema.safeParse(body.password ?? '');
        if (!password.success) return void await again('The password must be at least 10 characters long.', 400);
        const name = body.name?.trim() ? nameSchema.safeParse(body.name) : undefined;
        if (name && !name.success) return void await again('The name must be at most 100 characters, without control characters or line breaks.', 400);
        try {
          const user = await createUser(ctx, {
            // Emails go out in the language the pages speak to this reader (their choice, else the browser's).
            email: email.data, password: password.data, name: name?.data, language: pageLanguage(ctx, req, res),
          });
          sendVerificationLater(ctx, user);
          await startSession(ctx, req, res, user._id);
        } catch (error) {
          if (!(error instanceof AppError) || error.status !== 409) throw error;
          return void await again('An account with this email exists. Log in instead?', 409);
        }
        res.redirect(303, next);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/logout',
      summary: 'Log out of the service\'s pages (form post with the CSRF token)',
      tags: ['pages'],
      body: z.object({ [CSRF_FIELD]: formText }),
      responses: { 303: redirect, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res }) => {
        // Without a session there is nobody to log out (e.g. it expired while the page was open): no CSRF error for that.
        if (await sessionFromRequest(ctx, req)) await verifyCsrf(ctx, req);
        await endSession(ctx, req, res);
        res.redirect(303, '/account/login');
      },
    }),
  ];
}

async function showLogin(
  ctx: ServerContext, req: Request, res: Response,
  view: { next: string; email?: string; error?: string; status?: number; reset?: boolean },
): Promise<void> {
  const token = await csrfToken(ctx, req, res);
  sendPage(res, renderPage({
    title: 'Log in',
    body: html`<h1>Log in</h1>
${view.reset ? html`<p class="notice" role="status">Your password was changed, and every session of your account was logged out. Log in with the new password.</p>` : ''}
${errorBlock(view.error)}
<form method="post" action="/account/login">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<input type="hidden" name="next" value="${view.next}">
<label>Email <input type="email" name="email" autocomplete="username" required value="${view.email ?? ''}"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<div class="actions"><button type="submit">Log in</button></div>
</form>
${ctx.config.mail.transport === 'none' ? '' : html`<p class="muted"><a href="/account/forgot">Forgot your password?</a></p>`}
<p class="muted">No account yet? <a href="/account/signup?${new URLSearchParams({ next: view.next })}">Sign up</a></p>`,
  }), { status: view.status });
}

async function showSignup(
  ctx: ServerContext, req: Request, res: Response,
  view: { next: string; email?: string; name?: string; error?: string; status?: number },
): Promise<void> {
  const token = await csrfToken(ctx, req, res);
  sendPage(res, renderPage({
    title: 'Sign up',
    body: html`<h1>Create your account</h1>
${errorBlock(view.error)}
<form method="post" action="/account/signup">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<input type="hidden" name="next" value="${view.next}">
<label>Name <input type="text" name="name" autocomplete="name" maxlength="100" value="${view.name ?? ''}"></label>
<label>Email <input type="email" name="email" autocomplete="username" required value="${view.email ?? ''}"></label>
<label>Password <input type="password" name="password" autocomplete="new-password" minlength="10" required></label>
<div class="actions"><button type="submit">Sign up</button></div>
</form>
<p class="muted">Have an account? <a href="/account/login?${new URLSearchParams({ next: view.next })}">Log in</a></p>`,
  }), { status: view.status });
}

function errorBlock(error: string | undefined): SafeHtml | '' {
  return error ? html`<p class="error" role="alert">${error}</p>` : '';
}
