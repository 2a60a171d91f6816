import { z } from 'zod';
import type { ServerContext, ServerModule } from '../context.js';
import { findUser } from '../accounts/index.js';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { findThingById, findThingByUrl, normalizeUrl } from '../things/index.js';
import { openPage } from '../pages/index.js';
import { renderCreatorProfile, renderThing } from './public-pages.js';

const htmlPage = (description: string) => ({ description, contentType: 'text/html' });
const formText = z.string().max(2000).optional();

/** Public pages: a thing (by id or by URL: the target of every no-JavaScript Flattr link) and a creator. */
export const publicPagesModule: ServerModule = {
  name: 'public-pages',
  routes: (ctx) => publicRoutes(ctx),
};

function publicRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/things',
      summary: 'A thing\'s public page by its URL (`url`): to its page, or a page offering the first flattr (HTML; the target of no-JS Flattr links)',
      tags: ['pages'],
      query: z.object({ url: formText, lang: formText }),
      responses: { 200: htmlPage('Nobody flattred this URL yet: the page offers the first flattr'), 303: { description: 'To /things/{id}' }, 400: htmlPage('`invalid_url`') },
      handler: async ({ req, res, query }) => {
        const page = (await openPage(ctx, req, res, 'public'))!;
        let url: string;
        try {
          url = normalizeUrl(query.url ?? '');
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return page.problem(400, error.code, error.message, '/');
        }
        const thing = await findThingByUrl(ctx.db, url);
        if (thing) return page.redirect(`/things/${thing._id.toHexString()}${query.lang ? `?lang=${encodeURIComponent(query.lang)}` : ''}`);
        await renderThing(page, null, url);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/things/:id',
      summary: 'A thing\'s public page: title, owner once verified, counts and a Flattr button that works without JavaScript (HTML)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      query: z.object({ lang: formText }),
      responses: { 200: htmlPage('The thing'), 404: htmlPage('`thing_not_found`') },
      handler: async ({ req, res, params }) => {
        const page = (await openPage(ctx, req, res, 'public'))!;
        const thing = await findThingById(ctx.db, params.id);
        if (!thing) return page.problem(404, 'thing_not_found', page.t('public.thing.notFound'), '/');
        await renderThing(page, thing, thing.url);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/creators/:id',
      summary: 'A creator\'s public page: their verified sites and things (HTML)',
      tags: ['pages'],
      params: z.object({ id: z.string().max(64) }),
      query: z.object({ lang: formText }),
      responses: { 200: htmlPage('The creator'), 404: htmlPage('`creator_not_found`: no such user, or not a creator') },
      handler: async ({ req, res, params }) => {
        const page = (await openPage(ctx, req, res, 'public'))!;
        const user = await findUser(ctx, params.id);
        if (!user || !user.roles.includes('creator')) return page.problem(404, 'creator_not_found', page.t('public.creator.notFound'), '/');
        await renderCreatorProfile(page, user);
      },
    }),
  ];
}
