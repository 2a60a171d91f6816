import path from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import type { ServerContext, ServerModule } from '../context.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { csrfToken, listSiteTokens, requireSession, revokeSiteToken, setSiteTokenCap, verifyCsrf } from '../auth/index.js';
import { setBudget } from '../accounts/index.js';
import { sendPage } from '../pages/index.js';
import { decimalToMinor } from './money-format.js';
import { renderSettingsPage, type SettingsNotice } from './settings-page.js';

const html = (description: string) => ({ description, contentType: 'text/html' });
const redirect = { description: 'Back to /settings with a notice (or to the login page without a session)' };
const NOTICES = ['revoked', 'budget', 'not-found', 'bad-budget', 'cap', 'bad-cap'] as const;

/** `/settings`: the reader's budget and the sites they allowed one-click Flattr on, each with its monthly cap, each revocable. */
export const settingsModule: ServerModule = {
  name: 'settings',
  routes: (ctx) => settingsRoutes(ctx),
};

function settingsRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/settings',
      summary: 'Settings page: monthly budget and one-click sites with their monthly caps and revoke buttons (HTML, first-party session)',
      tags: ['pages'],
      query: z.object({ done: z.enum(NOTICES).optional().catch(undefined) }),
      responses: { 200: html('The settings page'), 303: redirect },
      handler: async ({ req, res, query }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        const siteTokens = await listSiteTokens(ctx, session.userId);
        sendPage(res, renderSettingsPage({
          name: session.user.name,
          email: session.user.email,
          budget: session.user.budget,
          currency: ctx.config.currency,
          siteTokens,
          csrfToken: await csrfToken(ctx, req, res),
          notice: query.done,
        }));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/settings/settings.css',
      summary: 'Stylesheet of the settings page',
      tags: ['pages'],
      responses: { 200: { description: 'CSS', contentType: 'text/css' } },
      handler: async ({ res }) => {
        res.set('Cache-Control', 'public, max-age=300').sendFile(path.join(import.meta.dirname, 'settings.css'));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/settings/site-tokens/:id/revoke',
      summary: 'Revoke one-click Flattr for a site (form post with the CSRF token)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      responses: { 303: redirect, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res, params }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        const done = await outcome(() => revokeSiteToken(ctx, session.userId, params.id), 'revoked', 'not-found');
        backToSettings(res, done);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/settings/site-tokens/:id/cap',
      summary: 'Set how many new flattrs a month a site may make with one click (form post with the CSRF token; field `monthlyCap`)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      responses: { 303: redirect, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res, params }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        const raw = (req.body as Record<string, unknown> | undefined)?.monthlyCap;
        const cap = typeof raw === 'string' && /^\s*\d{1,6}\s*$/.test(raw) ? Number(raw) : null;
        const done = cap === null ? 'bad-cap'
          : await outcome(() => setSiteTokenCap(ctx, session.userId, params.id, cap), 'cap', (e) => (e.status === 404 ? 'not-found' : 'bad-cap'));
        backToSettings(res, done);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/settings/budget',
      summary: 'Set the monthly budget (form post with the CSRF token; amount in major units, e.g. 5.00)',
      tags: ['pages'],
      responses: { 303: redirect, 403: { description: '`csrf_failed`' } },
      handler: async ({ req, res }) => {
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        await verifyCsrf(ctx, req);
        const raw = (req.body as Record<string, unknown> | undefined)?.budget;
        const budget = typeof raw === 'string' ? decimalToMinor(raw, ctx.config.currency) : null;
        const done = budget === null ? 'bad-budget' : await outcome(() => setBudget(ctx, session.userId, budget), 'budget', 'bad-budget');
        backToSettings(res, done);
      },
    }),
  ];
}

/** A refused change becomes a notice on the page (4xx from the domain), anything else stays an error. */
async function outcome(
  action: () => Promise<unknown>, ok: SettingsNotice, refused: SettingsNotice | ((error: AppError) => SettingsNotice),
): Promise<SettingsNotice> {
  try {
    await action();
    return ok;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return typeof refused === 'function' ? refused(error) : refused;
    throw error;
  }
}

function backToSettings(res: Response, done: SettingsNotice): void {
  res.set('Cache-Control', 'no-store').redirect(303, `/settings?done=${done}`);
}
