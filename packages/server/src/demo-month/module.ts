import { z } from 'zod';
import type { ServerModule } from '../context.js';
import { defineRoute } from '../http/route.js';
import { handleForm } from '../pages/index.js';
import { endMonthNow } from './end-month.js';

/** How long the button waits for the distribution before showing the page (a demo month takes well under a second). */
const WAIT_FOR_RUN_MS = 30_000;
const formText = z.string().max(200).optional();

/** DEMO ONLY: `POST /demo/end-month`, the button on /account and /admin when DEMO_MODE=true (404 otherwise). */
export const demoMonthModule: ServerModule = {
  name: 'demo-month',
  routes: (ctx) => [
    defineRoute({
      method: 'post',
      path: '/demo/end-month',
      summary: 'DEMO ONLY (DEMO_MODE=true): end the month now: move the demo clock to the next month, then run the real distribution (form post with the CSRF token)',
      tags: ['pages'],
      body: z.object({ period: formText, back: formText, _csrf: formText }),
      responses: {
        303: { description: 'To the run (admins) or back to /account, once the run finished or 30 s passed' },
        403: { description: '`csrf_failed`', contentType: 'text/html' },
        404: { description: '`demo_only`: not a demo', contentType: 'text/html' },
      },
      handler: async ({ req, res, body }) => {
        await handleForm(ctx, req, res, 'user', async (page) => {
          const ended = await endMonthNow(ctx, body.period ?? '');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([ended.done, new Promise((resolve) => { timer = setTimeout(resolve, WAIT_FOR_RUN_MS); })]);
          clearTimeout(timer);
          page.redirect(body.back === '/admin' && page.hasRole('admin') ? `/admin/distributions/${ended.period}` : '/account?done=month-ended');
        });
      },
    }),
  ],
};
