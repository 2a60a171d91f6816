import type { Response } from 'express';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { html, renderPage, sendPage, type SafeHtml } from '../pages/index.js';
import { CSRF_FIELD, csrfToken, verifyCsrf } from './csrf.js';
import { peekEmailToken } from './email-tokens.js';
import { isEmailVerified, sendVerificationEmail, verifyEmail } from './email-verification.js';
import { findUser } from '../accounts/users.js';
import { requestPasswordReset, resetPassword, RESET_TTL_MINUTES } from './password-reset.js';
import { emailSchema, passwordSchema } from './schemas.js';
import { requireSession } from './sessions.js';

const page = { description: 'HTML page', contentType: 'text/html' };
const formText = z.string().max(2000).optional();
const tokenQuery = z.object({ token: z.string().max(300).optional() });

/**
 * The pages behind the links of verification and password-reset emails, and
 * the "forgot password" form. Every form carries the CSRF token
 * (`csrfToken`/`verifyCsrf`); a link only shows a page, and the change
 * happens on its button, so a mail scanner that follows links spends nothing.
 */
export function emailPageRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/account/verify',
      summary: 'The link of the verification email: a page with the button that confirms the address',
      tags: ['pages'],
      query: tokenQuery,
      responses: { 200: page },
      handler: async ({ req, res, query }) => {
        const token = await csrfToken(ctx, req, res);
        show(res, 'Confirm your email address', html`<h1>Confirm your email address</h1>
<form method="post" action="/account/verify">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<input type="hidden" name="token" value="${query.token ?? ''}">
<div class="actions"><button type="submit">Confirm my address</button></div>
</form>`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/verify',
      summary: 'Confirm the address (form post with the CSRF token and the link\'s token)',
      tags: ['pages'],
      body: z.object({ token: formText, [CSRF_FIELD]: formText }),
      responses: { 200: page, 400: { ...page, description: 'The link is unknown, used or expired' }, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res, body }) => {
        await verifyCsrf(ctx, req);
        const user = await verifyEmail(ctx, body.token ?? '');
        if (!user) {
          return show(res, 'Link not valid', html`<h1>This link does not work</h1>
<p class="error" role="alert">It was used already, has expired, or is incomplete. Log in and send a new one from <a href="/account">your account</a>.</p>`, 400);
        }
        show(res, 'Address confirmed', html`<h1>Thank you</h1>
<p class="notice" role="status">${user.email} is confirmed.</p>
<p><a href="/account">Your account</a></p>`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/verify/resend',
      summary: 'Send the verification email again (form post with the CSRF token; logged in)',
      tags: ['pages'],
      body: z.object({ [CSRF_FIELD]: formText }),
      responses: { 200: page, 303: { description: 'To the login page without a session' }, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        let message: SafeHtml;
        try {
          const outcome = await sendVerificationEmail(ctx, session.user);
          message = outcome === 'off'
            ? html`<p class="error" role="alert">This service cannot send email at the moment.</p>`
            : html`<p class="notice" role="status">We sent a new link to ${session.user.email}.</p>`;
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          message = html`<p class="error" role="alert">${error.message}</p>`;
        }
        show(res, 'Verification email', html`<h1>Confirm your email address</h1>${message}<p><a href="/account">Your account</a></p>`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/account/forgot',
      summary: 'Forgot-password page: asks for the email address',
      tags: ['pages'],
      responses: { 200: page },
      handler: async ({ req, res }) => showForgot(ctx, req, res),
    }),
    defineRoute({
      method: 'post',
      path: '/account/forgot',
      summary: 'Mail a password-reset link (form post with the CSRF token); the same answer whether or not the account exists',
      tags: ['pages'],
      body: z.object({ email: formText, [CSRF_FIELD]: formText }),
      responses: { 200: page, 400: { ...page, description: 'The form again: not an email address' }, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res, body }) => {
        await verifyCsrf(ctx, req);
        const email = emailSchema.safeParse(body.email ?? '');
        if (!email.success) return showForgot(ctx, req, res, 'Please enter a valid email address.', 400);
        await requestPasswordReset(ctx, email.data);
        show(res, 'Check your email', html`<h1>Check your email</h1>
<p class="notice" role="status">If ${email.data} has an account here, a link to choose a new password is on its way. It works once, for ${RESET_TTL_MINUTES} minutes.</p>`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/account/reset',
      summary: 'The link of the password-reset email: the form for the new password',
      tags: ['pages'],
      query: tokenQuery,
      responses: { 200: page, 400: { ...page, description: 'The link is unknown, used or expired' } },
      handler: async ({ req, res, query }) => {
        if (!(await peekEmailToken(ctx, query.token ?? '', 'reset'))) return invalidReset(res);
        await showReset(ctx, req, res, query.token!);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/reset',
      summary: 'Set the new password (form post with the CSRF token and the link\'s token); spends the link, logs out every session',
      tags: ['pages'],
      body: z.object({ token: formText, password: formText, [CSRF_FIELD]: formText }),
      responses: {
        303: { description: 'To the login page' },
        400: { ...page, description: 'The form again (password too short), or the link is not valid' },
        403: { description: '`csrf_failed`' },
      },
      handler: async ({ req, res, body }) => {
        await verifyCsrf(ctx, req);
        const password = passwordSchema.safeParse(body.password ?? '');
        if (!password.success) return showReset(ctx, req, res, body.token ?? '', 'The password must be at least 10 characters long.', 400);
        const userId = await resetPassword(ctx, body.token ?? '', password.data);
        if (!userId) return invalidReset(res);
        res.set('Cache-Control', 'no-store').redirect(303, '/account/login?reset=done');
      },
    }),
  ];
}

async function showForgot(ctx: ServerContext, req: Parameters<typeof csrfToken>[1], res: Response, error?: string, status?: number): Promise<void> {
  const token = await csrfToken(ctx, req, res);
  show(res, 'Forgot your password?', html`<h1>Forgot your password?</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/account/forgot">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<label>Email <input type="email" name="email" autocomplete="username" required></label>
<div class="actions"><button type="submit">Send me a link</button></div>
</form>`, status);
}

async function showReset(ctx: ServerContext, req: Parameters<typeof csrfToken>[1], res: Response, secret: string, error?: string, status?: number): Promise<void> {
  const token = await csrfToken(ctx, req, res);
  show(res, 'Choose a new password', html`<h1>Choose a new password</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/account/reset">
<input type="hidden" name="${CSRF_FIELD}" value="${token}">
<input type="hidden" name="token" value="${secret}">
<label>New password <input type="password" name="password" autocomplete="new-password" minlength="10" required></label>
<div class="actions"><button type="submit">Save the new password</button></div>
</form>`, status);
}

function invalidReset(res: Response): void {
  show(res, 'Link not valid', html`<h1>This link does not work</h1>
<p class="error" role="alert">It was used already, has expired, or is incomplete. <a href="/account/forgot">Ask for a new one.</a></p>`, 400);
}

function show(res: Response, title: string, body: SafeHtml, status?: number): void {
  // Pages with a token in their URL: no referrer leaves them (renderPage says same-origin), never cached.
  sendPage(res, renderPage({ title, body }), { status });
}

/** The JSON side: send the verification email again (SDK and apps). */
export function emailApiRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/me/email-verification',
      summary: 'Send the verification email again (at most once a minute)',
      tags: ['me', 'auth'],
      auth: { scope: 'read' },
      responses: {
        202: { description: 'Sent (`sent: true`), or this service sends no email (`sent: false`)', schema: z.object({ sent: z.boolean(), emailVerified: z.boolean() }) },
        422: { description: '`verification_throttled`: one was sent less than a minute ago' },
      },
      handler: async ({ auth }) => {
        const user = await findUser(ctx, auth!.userId);
        if (!user) throw new AppError(404, 'user_not_found', 'No such user');
        if (isEmailVerified(user)) return { status: 202, body: { sent: false, emailVerified: true } };
        const outcome = await sendVerificationEmail(ctx, user);
        return { status: 202, body: { sent: outcome === 'sent' || outcome === 'already', emailVerified: false } };
      },
    }),
  ];
}
