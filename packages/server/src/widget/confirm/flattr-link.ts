import type { ServerContext } from '../../context.js';
import { defineRoute, type AnyRouteSpec } from '../../http/route.js';
import { confirmQuery, isWayBack } from './confirm-input.js';
import { readInput, setConfirmHeaders } from './confirm-routes.js';

/**
 * `GET /flattr?url=…&title=…&creator=…`: the plain link that flattrs with no
 * script on the page (READMEs, newsletters, feeds' `rel="payment"`, pages
 * with scripts blocked). It records nothing: it sends the reader to the
 * confirm window as a full page (`return` instead of `origin`), with the
 * same session, login trip and CSRF check, which comes back afterwards.
 */
export function flattrLinkRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/flattr',
      summary: 'The plain Flattr link (no JavaScript): to the confirm page, which comes back to the page afterwards (HTML)',
      tags: ['widget'],
      responses: {
        303: { description: 'To `/widget/confirm?…&return=…` (full page); nothing is recorded', contentType: 'text/html' },
        400: { description: 'Bad url, title or creator: an HTML page naming the field', contentType: 'text/html' },
      },
      handler: async ({ req, res }) => {
        setConfirmHeaders(res);
        const { url, title, creator } = req.query;
        // `return` is ours to choose, never the link's: the thing itself, checked as the confirm page checks it.
        const input = readInput(ctx, { url, title, creator, return: typeof url === 'string' ? url.trim() : url }, res, false);
        if (!input) return;
        const returnTo = returnTarget(input.url, req.get('Referer'), ctx.config.publicUrl);
        res.redirect(303, `/widget/confirm?${confirmQuery({ ...input, returnTo })}`);
      },
    }),
  ];
}

/**
 * Where the reader goes back to. The `Referer` is the page the link was on,
 * but browsers usually send only its origin across sites (the default
 * `strict-origin-when-cross-origin`), it can be absent, and the link's author
 * controls where it sits. So it is used only when it is a full URL that is a
 * way back (`isWayBack`: on the thing's own origin, or one of this service's
 * public pages, whose buttons link here too); otherwise the reader goes to
 * the thing's page itself.
 */
export function returnTarget(thingUrl: string, referer: string | undefined, serviceUrl?: string): string {
  const thing = new URL(thingUrl);
  if (referer) {
    try {
      const page = new URL(referer);
      const fullUrl = page.pathname !== '/' || page.search !== '';
      if (fullUrl && isWayBack(page, thing, serviceUrl)) {
        page.hash = '';
        return page.href;
      }
    } catch {
      // Not a URL: ignored.
    }
  }
  return thing.href;
}

/**
 * `/flattr?url=…&title=…&creator=…` on the service at `publicUrl`: the link itself,
 * also the `href` of `rel="payment"` links in pages and feeds.
 */
export function flattrLinkUrl(publicUrl: string, thing: { url: string; title?: string; creator?: string }): string {
  const query = new URLSearchParams({ url: thing.url });
  if (thing.title) query.set('title', thing.title);
  if (thing.creator) query.set('creator', thing.creator);
  return `${publicUrl.replace(/\/+$/, '')}/flattr?${query}`;
}
