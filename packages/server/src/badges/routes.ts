import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { matchesIfNoneMatch, strongEtag } from '../counts/index.js';
import { LIMITS, problemResponse } from '../things/index.js';
import { creatorBadgeFacts, thingBadgeFacts } from './badge-counts.js';
import { BADGE_THEMES, renderBadgeSvg, shortCount, type BadgeTheme } from './badge-svg.js';

/**
 * Five minutes: a badge sits in READMEs and newsletters (often behind an image
 * proxy that honours this), where a count a few minutes old is fine, and a
 * popular README must not cost a database read per view.
 */
const CACHE_CONTROL = 'public, max-age=300';

/**
 * The SVG is only ever an image: when opened on its own it may not run or load
 * anything (its `<style>` is inline, hence `'unsafe-inline'` for styles alone).
 */
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *";

const badgeQuery = z.object({
  url: z.string().min(1).max(LIMITS.url).optional().describe('The thing\'s URL (any spelling)'),
  creator: z.string().regex(/^[0-9a-fA-F]{24}$/, 'creator must be a user id (24 hex digits)').optional()
    .describe('A creator\'s user id: the flattrs of every thing they own'),
  theme: z.enum(BADGE_THEMES as [BadgeTheme, ...BadgeTheme[]]).default('light')
    .describe('`light` (default), `dark`, or `auto` (follows prefers-color-scheme)'),
}).refine((q) => (q.url === undefined) !== (q.creator === undefined), { message: 'give exactly one of url and creator', path: ['url'] });

export function badgeRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/badge.svg',
      summary: 'An SVG badge with the flattr count of a thing (`?url=`) or of a creator\'s things (`?creator=`); no JavaScript needed',
      tags: ['things', 'public'],
      query: badgeQuery,
      headers: { 'If-None-Match': { description: 'An ETag from an earlier answer: 304 if the badge did not change' } },
      responses: {
        200: { description: '`image/svg+xml`; `Cache-Control: public, max-age=300` and a strong `ETag`', contentType: 'image/svg+xml' },
        304: { description: 'Not modified (If-None-Match matched); no body' },
        400: problemResponse('`invalid_url` or `validation_failed` (neither or both of url and creator, a bad theme)', ['invalid_url', 'validation_failed']),
        404: problemResponse('`creator_not_found`', ['creator_not_found']),
      },
      handler: async ({ query, req, res }) => {
        let svg: string;
        if (query.url !== undefined) {
          const { count, title } = await thingBadgeFacts(ctx.db, query.url);
          svg = badge(count, title ? `Flattr “${shorten(title)}”` : 'Flattr this', query.theme);
        } else {
          const { count } = await creatorBadgeFacts(ctx.db, query.creator!);
          svg = badge(count, 'Flattr this creator', query.theme);
        }
        const etag = strongEtag(svg);
        const headers = {
          'Cache-Control': CACHE_CONTROL,
          ETag: etag,
          'Content-Security-Policy': SVG_CSP,
          // Any page may show the badge, also one that reads it with crossorigin (e.g. to draw it on a canvas).
          'Access-Control-Allow-Origin': '*',
        };
        if (matchesIfNoneMatch(req.get('If-None-Match'), etag)) return { status: 304, headers };
        res.status(200).set(headers).type('image/svg+xml; charset=utf-8').send(svg);
        return undefined;
      },
    }),
  ];
}

function badge(count: number, name: string, theme: BadgeTheme): string {
  const message = shortCount(count);
  return renderBadgeSvg({ label: 'Flattr', message, theme, title: `${name}: ${count === 1 ? '1 flattr' : `${count.toLocaleString('en-US')} flattrs`}` });
}

function shorten(title: string): string {
  const chars = [...title];
  return chars.length > 80 ? `${chars.slice(0, 79).join('')}…` : title;
}
