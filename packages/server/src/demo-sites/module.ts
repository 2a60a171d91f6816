import type { Request, Response, NextFunction } from 'express';
import type { ServerContext, ServerModule } from '../context.js';
import { findUserByEmail } from '../accounts/index.js';
import { renderBlogFeed, renderBlogPage } from './blog-pages.js';
import { demoCreatorForHost } from './demo-people.js';
import { renderWelcome } from './welcome-page.js';
import { defineRoute } from '../http/route.js';
import { openPage } from '../pages/index.js';

/**
 * DEMO ONLY (DEMO_MODE=true): the demo creators' blogs, answered for the
 * host names `ada.localhost` and `grace.localhost` on this server's port
 * (a real site for the button, the proof of ownership and its verification),
 * and `/welcome`, the guide through the demo month.
 */
export const demoSitesModule: ServerModule = {
  name: 'demo-sites',
  mount(app, ctx) {
    app.use((req, res, next) => {
      if (!ctx.config.demoMode) return next();
      const creator = demoCreatorForHost(req.hostname);
      if (!creator) return next();
      serveBlog(ctx, req, res, next, creator).catch(next);
    });
  },
  routes: (ctx) => [
    defineRoute({
      method: 'get',
      path: '/welcome',
      summary: 'DEMO ONLY: the guide through the demo month (accounts, the creators\' blogs, what to try); 404 outside demo mode',
      tags: ['pages'],
      responses: { 200: { description: 'The guide', contentType: 'text/html' }, 404: { description: 'Not a demo', contentType: 'text/html' } },
      handler: async ({ req, res }) => {
        const page = (await openPage(ctx, req, res, 'public'))!;
        if (!ctx.config.demoMode) return page.problem(404, 'demo_only', page.t('welcome.notDemo'), '/');
        renderWelcome(page);
      },
    }),
  ],
};

async function serveBlog(ctx: ServerContext, req: Request, res: Response, next: NextFunction, creator: ReturnType<typeof demoCreatorForHost> & object): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return next();
  const owner = await findUserByEmail(ctx, creator.email);
  if (!owner) return void res.status(404).type('text/plain').send('This demo blog has no owner yet: the demo seeds it on its first start.');
  const ownerId = owner._id.toHexString();
  const origin = `${req.protocol}://${req.get('host')}`;
  const serviceOrigin = new URL(ctx.config.publicUrl).origin;
  if (req.path === '/.well-known/flattr') return void res.type('text/plain').send(`${ownerId}\n`);
  if (req.path === '/feed.atom') {
    return void res.set('Cache-Control', 'no-cache').type('application/atom+xml; charset=utf-8').send(renderBlogFeed({ creator, origin, serviceUrl: ctx.config.publicUrl }));
  }
  const post = req.path.startsWith('/posts/') ? creator.posts.find((p) => `/posts/${p.slug}` === req.path) : undefined;
  if (req.path !== '/' && !post) return void res.status(404).type('text/plain').send('Not found');
  res.set({
    'Content-Security-Policy': `default-src 'none'; script-src ${serviceOrigin}; style-src ${serviceOrigin}; connect-src ${serviceOrigin}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'Cache-Control': 'no-cache',
    // The Flattr window it opens must keep its opener to report back (helmet's default `same-origin` would cut it).
    'Cross-Origin-Opener-Policy': 'same-origin-allow-popups',
  }).type('html').send(renderBlogPage({ creator, ownerId, origin, serviceUrl: ctx.config.publicUrl, post }));
}
