import { z } from 'zod';
import type { ServerContext, ServerModule } from '../context.js';
import { AppError, ValidationError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { buttonSnippets, themesStylesheet } from '../button-code/index.js';
import {
  bankAccountSchema, refreshStripeAccount, requestPayout, setBankAccount, startStripeOnboarding, useManualPayouts,
} from '../payouts/index.js';
import { addSite, verifySite } from '../sites/index.js';
import { handleForm, openPage, type PageRequest } from '../pages/index.js';
import { buttonOptionsOf, type ButtonQuery } from './button-options.js';
import { CREATOR_NOTICES, loadCreator, previewButton, renderCreator, type CreatorNotice, type VerifyFailure } from './creator-page.js';
import { BUTTON_THEMES_CSS_PATH } from './paths.js';

const htmlPage = (description: string) => ({ description, contentType: 'text/html' });
const back = { description: 'Back to /creator with a notice (or to the login page without a session)' };
const refused = htmlPage('The refusal as a page: `csrf_failed` (403), or what the domain refused (4xx, its code on the page)');
const formText = z.string().max(2000).optional();
const buttonQuery = { url: formText, title: formText, size: formText, count: formText, buttonLang: formText, theme: formText };

/** `/creator`: sites and their verification, things, earnings, escrow, payouts and where they go (bank account, Stripe Connect), and the button-code generator. */
export const creatorPagesModule: ServerModule = {
  name: 'creator-pages',
  routes: (ctx) => creatorRoutes(ctx),
};

function creatorRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/creator',
      summary: 'The creator\'s page: add and verify sites, things with this month\'s counts, earnings, escrow, payouts, button-code generator (HTML; any logged-in user: verifying a site makes a creator)',
      tags: ['pages'],
      query: z.object({ done: z.enum(CREATOR_NOTICES).optional().catch(undefined), lang: formText, ...buttonQuery }),
      responses: { 200: htmlPage('The creator page'), 303: { description: 'No session: to the login page' } },
      handler: async ({ req, res, query }) => {
        const page = await openPage(ctx, req, res, 'user');
        if (page) await showCreator(page, query, { done: query.done });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/creator/button-code.json',
      summary: 'The button-code generator\'s snippets for the given options (the /creator page\'s script asks; the same function renders them into the page)',
      tags: ['pages'],
      query: z.object({ ...buttonQuery, url: z.url({ protocol: /^https?$/ }).max(2000) }),
      responses: { 200: { description: '`snippets` (id, code), `preview` (the element\'s markup) and `theme`', schema: z.object({ snippets: z.array(z.object({ id: z.string(), code: z.string() })), preview: z.string(), theme: z.string() }) } },
      handler: async ({ query }) => {
        const options = buttonOptionsOf(query, query.url);
        const urls = { publicUrl: ctx.config.publicUrl, scriptUrl: `${ctx.config.publicUrl}/widget/flattr.js` };
        return { body: { snippets: buttonSnippets(options, urls), preview: previewButton(options).value, theme: options.theme }, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: BUTTON_THEMES_CSS_PATH,
      summary: 'Stylesheet of the generator\'s preview: the button themes',
      tags: ['pages'],
      responses: { 200: { description: 'CSS', contentType: 'text/css' } },
      handler: async ({ res }) => {
        res.set({ 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }).send(themesStylesheet());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/sites',
      summary: 'Add a site to verify (form post: `url`, CSRF token)',
      tags: ['pages'],
      body: z.object({ url: formText, _csrf: formText }),
      responses: { 303: back, 400: refused, 403: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          if (!body.url) throw new ValidationError(page.t('creator.sites.urlMissing'));
          await addSite(ctx, page.session!.userId, body.url);
          page.redirect('/creator?done=site-added#sites');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/sites/:id/verify',
      summary: '"Check now": fetch the site\'s proof (form post with the CSRF token); a failure shows the page with the reason (422)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({ _csrf: formText }),
      responses: { 303: back, 403: refused, 404: refused, 422: htmlPage('The creator page with the reason beside the site') },
      handler: async ({ req, res, params }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          try {
            await verifySite(ctx, page.session!.userId, params.id);
          } catch (error) {
            if (!(error instanceof AppError) || error.status !== 422) throw error;
            return showCreator(page, {}, { failure: { siteId: params.id, code: error.code, detail: error.message }, status: 422 });
          }
          page.redirect('/creator?done=verified#sites');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts',
      summary: 'Request a payout (form post: `amount` in major units, CSRF token)',
      tags: ['pages'],
      body: z.object({ amount: formText, _csrf: formText }),
      responses: { 303: back, 400: refused, 403: refused, 422: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          const amount = page.fmt.parseMoney(body.amount);
          if (amount === null || amount < 1) throw new ValidationError(page.t('creator.payouts.badAmount'));
          await requestPayout(ctx, page.session!.userId, amount);
          page.redirect('/creator?done=payout#payouts');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts/bank',
      summary: 'Set the bank account for payouts by hand, which the SEPA export uses (form post: `holder`, `iban`, `bic`, CSRF token; verified email)',
      tags: ['pages'],
      body: z.object({ holder: formText, iban: formText, bic: formText, _csrf: formText }),
      responses: { 303: back, 400: refused, 403: refused },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          const parsed = bankAccountSchema.safeParse({ holder: body.holder ?? '', iban: body.iban ?? '', bic: body.bic?.trim() || undefined });
          if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => i.message).join('; '));
          await setBankAccount(ctx, page.session!.userId, parsed.data);
          page.redirect('/creator?done=bank-saved#payout-destination');
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts/stripe',
      summary: 'Connect (or finish connecting) a Stripe Express account for payouts: redirects to Stripe\'s onboarding (form post with the CSRF token; verified email)',
      tags: ['pages'],
      body: z.object({ _csrf: formText }),
      responses: { 303: { description: 'To Stripe\'s onboarding' }, 403: refused },
      handler: async ({ req, res }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          const { url } = await startStripeOnboarding(ctx, page.session!.userId);
          // Stripe's page, not ours: the /creator page's CSP form-action lists its origin.
          page.redirect(url);
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/creator/payouts/manual',
      summary: 'Back to payouts by hand (form post with the CSRF token; the Stripe account stays known for a later switch back)',
      tags: ['pages'],
      body: z.object({ _csrf: formText }),
      responses: { 303: back, 403: refused },
      handler: async ({ req, res }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          await useManualPayouts(ctx, page.session!.userId);
          page.redirect('/creator?done=manual#payout-destination');
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/creator/payouts/stripe/return',
      summary: 'Where Stripe\'s onboarding returns: asks Stripe how the account stands, then back to /creator\'s payouts',
      tags: ['pages'],
      responses: { 303: { description: 'To /creator (or to the login page without a session)' } },
      handler: async ({ req, res }) => {
        const page = await openPage(ctx, req, res, 'user');
        if (!page) return;
        await refreshStripeAccount(ctx, page.session!.userId);
        page.redirect('/creator?done=stripe-return#payout-destination');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/creator/payouts/stripe/refresh',
      summary: 'Where Stripe sends a creator whose onboarding link expired: a fresh link',
      tags: ['pages'],
      responses: { 303: { description: 'To a fresh onboarding link (or to the login page without a session)' }, 403: refused },
      handler: async ({ req, res }) => {
        const page = await openPage(ctx, req, res, 'user');
        if (!page) return;
        try {
          page.redirect((await startStripeOnboarding(ctx, page.session!.userId)).url);
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          page.problem(error.status, error.code, error.message, '/creator#payouts');
        }
      },
    }),
  ];
}

async function showCreator(page: PageRequest, query: ButtonQuery, view: { done?: CreatorNotice; failure?: VerifyFailure; status?: number }): Promise<void> {
  const data = await loadCreator(page);
  const verified = data.sites.find((s) => s.site.verifiedAt);
  const fallbackUrl = data.things[0]?.thing.url ?? `${(verified ?? data.sites[0])?.site.origin ?? 'https://your.blog.example'}/`;
  const button = buttonOptionsOf(query, fallbackUrl);
  if (!query.title && !query.url) button.title = data.things[0]?.thing.title ?? '';
  renderCreator(page, data, { ...view, button });
}
