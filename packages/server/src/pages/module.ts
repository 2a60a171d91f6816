import path from 'node:path';
import express from 'express';
import type { ServerContext, ServerModule } from '../context.js';
import { defineRoute } from '../http/route.js';
import { PAGES_CSS, PAGES_CSS_PATH } from './styles.js';

/** Where the pages' enhancement scripts are served from (static files: the CSP allows no inline script). */
export const PAGE_SCRIPTS_PATH = '/assets/pages';
const STATIC_DIR = path.join(import.meta.dirname, 'static');

/** Assets shared by the server's own HTML pages (account, creator, admin, public pages, OAuth consent, confirm window). */
export const pagesModule: ServerModule = {
  name: 'pages',
  mount(app) {
    app.use(PAGE_SCRIPTS_PATH, express.static(STATIC_DIR, { index: false, maxAge: '5m', fallthrough: true }));
  },
  routes: (_ctx: ServerContext) => [
    defineRoute({
      method: 'get',
      path: PAGES_CSS_PATH,
      summary: 'Stylesheet of the server\'s own pages',
      tags: ['pages'],
      responses: { 200: { description: 'CSS', contentType: 'text/css' } },
      handler: async ({ res }) => {
        res.set({ 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }).send(PAGES_CSS);
      },
    }),
  ],
};
