import type { ServerModule } from '../context.js';
import { defineRoute } from '../http/route.js';
import { PAGES_CSS, PAGES_CSS_PATH } from './styles.js';

/** Assets shared by the server's own HTML pages (account, OAuth consent, confirm window). */
export const pagesModule: ServerModule = {
  name: 'pages',
  routes: () => [
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
