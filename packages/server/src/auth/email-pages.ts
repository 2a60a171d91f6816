import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { handleForm, html, notice, openPage, type PageRequest } from '../pages/index.js';
import { findUser } from '../accounts/users.js';
import { CSRF_FIELD } from './csrf.js';
import { peekEmailToken } from './email-tokens.js';
import { isEmailVerified, sendVerificationEmail, verifyEmail } from './email-verification.js';
import { requestPasswordReset, resetPassword, RESET_TTL_MINUTES } from './password-reset.js';
import { emailSchema, passwordSchema } from './schemas.js';

const htmlPage = (description: string) => ({ description, contentType: 'text/html' });
const refused = htmlPage('The refusal as a page: `csrf_failed` (403)');
const formText = z.string().max(2000).optional();
const tokenQuery = z.object({ token: z.string().max(300).optional(), lang: formText });

/**
 * The pages behind the links of verification and password-reset emails, and
 * the "forgot password" form, in the service's frame and the reader's
 * language. Every form carries the CSRF token (the session's, or before
 * login the double-submit cookie's); a link only shows a page, and the
 * change happens on its button, so a mail scanner that follows links spends
 * nothing. (Sending the confirmation link again is a form on /account.)
 */
export function emailPageRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/account/verify',
      summary: 'The link of the verification email: a page with the button that confirms the address',
      tags: ['pages'],
      query: tokenQuery,
      responses: { 200: htmlPage('The page with the button') },
      handler: async ({ req, res, query }) => {
        const page = await openPage(ctx, req, res, 'public', { forms: true });
        if (!page) return;
        const { t } = page;
        page.send({
          title: t('email.verify.title'),
          current: 'account',
          body: html`<h1>${t('email.verify.title')}</h1>
<p>${t('email.verify.explain')}</p>
<form method="post" action="/account/verify">
${page.csrfField()}
<input type="hidden" name="token" value="${query.token ?? ''}">
<div class="actions"><button type="submit">${t('email.verify.button')}</button></div>
</form>`,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/verify',
      summary: 'Confirm the address (form post with the CSRF token and the link\'s token)',
      tags: ['pages'],
      body: z.object({ token: formText, [CSRF_FIELD]: formText }),
      responses: { 200: htmlPage('Confirmed'), 400: htmlPage('`link_invalid`: the link is unknown, used or expired'), 403: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'public', async (page) => {
          const user = await verifyEmail(ctx, body.token ?? '');
          if (!user) return invalidLink(page, page.t('email.verify.invalid'), '/account');
          page.send({
            title: page.t('email.verify.done'),
            current: 'account',
            body: html`<h1>${page.t('email.verify.done')}</h1>
${notice(page.t('email.verify.confirmed', { email: user.email }))}
<p><a href="/account">${page.t('email.toAccount')}</a></p>`,
          });
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/account/forgot',
      summary: 'Forgot-password page: asks for the email address',
      tags: ['pages'],
      query: z.object({ lang: formText }),
      responses: { 200: htmlPage('The form') },
      handler: async ({ req, res }) => {
        const page = await openPage(ctx, req, res, 'public', { forms: true });
        if (page) showForgot(page);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/account/forgot',
      summary: 'Mail a password-reset link (form post with the CSRF token); the same answer whether or not the account exists',
      tags: ['pages'],
      body: z.object({ email: formText, [CSRF_FIELD]: formText }),
      responses: { 200: htmlPage('"Check your email"'), 400: htmlPage('The form again: not an email address'), 403: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'public', async (page) => {
          const email = emailSchema.safeParse(body.email ?? '');
          if (!email.success) return showForgot(page, page.t('email.forgot.badEmail'), 400);
          await requestPasswordReset(ctx, email.data);
          page.send({
            title: page.t('email.forgot.sentTitle'),
            current: 'account',
            body: html`<h1>${page.t('email.forgot.sentTitle')}</h1>
${notice(page.t('email.forgot.sent', { email: email.data, minutes: RESET_TTL_MINUTES }))}`,
          });
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/account/reset',
      summary: 'The link of the password-reset email: the form for the new password',
      tags: ['pages'],
      query: tokenQuery,
      responses: { 200: htmlPage('The form'), 400: htmlPage('`link_invalid`: the link is unknown, used or expired') },
      handler: async ({ req, res, query }) => {
        const page = await openPage(ctx, req, res, 'public', { forms: true });
        if (!page) return;
        if (!(await peekEmailToken(ctx, query.token ?? '', 'reset'))) return invalidLink(page, page.t('email.reset.invalid'), '/account/forgot');
        showReset(page, query.token!);
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
        400: htmlPage('The form again (password too short), or `link_invalid`'),
        403: refused,
      },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'public', async (page) => {
          const password = passwordSchema.safeParse(body.password ?? '');
          if (!password.success) return showReset(page, body.token ?? '', page.t('email.reset.short'), 400);
          const userId = await resetPassword(ctx, body.token ?? '', password.data);
          if (!userId) return invalidLink(page, page.t('email.reset.invalid'), '/account/forgot');
          page.redirect('/account/login?reset=done');
        });
      },
    }),
  ];
}

function showForgot(page: PageRequest, error?: string, status?: number): void {
  const { t, ctx } = page;
  page.send({
    title: t('email.forgot.title'),
    current: 'account',
    status,
    body: html`<h1>${t('email.forgot.title')}</h1>
${ctx.config.mail.transport === 'none' ? html`<p class="notice">${t('email.forgot.noMail')}</p>` : html`<p>${t('email.forgot.explain', { minutes: RESET_TTL_MINUTES })}</p>
${notice(error, 'error')}
<form method="post" action="/account/forgot">
${page.csrfField()}
<label>${t('email.field.email')} <input type="email" name="email" autocomplete="username" required></label>
<div class="actions"><button type="submit">${t('email.forgot.button')}</button></div>
</form>`}`,
  });
}

function showReset(page: PageRequest, secret: string, error?: string, status?: number): void {
  const { t } = page;
  page.send({
    title: t('email.reset.title'),
    current: 'account',
    status,
    body: html`<h1>${t('email.reset.title')}</h1>
${notice(error, 'error')}
<form method="post" action="/account/reset">
${page.csrfField()}
<input type="hidden" name="token" value="${secret}">
<label>${t('email.field.newPassword')} <input type="password" name="password" autocomplete="new-password" minlength="10" required aria-describedby="reset-hint"></label>
<p class="muted" id="reset-hint">${t('email.reset.hint')}</p>
<div class="actions"><button type="submit">${t('email.reset.button')}</button></div>
</form>`,
  });
}

/** A link that is unknown, used or expired: 400 with the way to a new one. */
function invalidLink(page: PageRequest, detail: string, back: string): void {
  page.problem(400, 'link_invalid', detail, back);
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
