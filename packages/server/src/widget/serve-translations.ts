import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';

/** `packages/widget/dist/i18n/`, written by the widget's build next to `flattr.js`. */
export const DEFAULT_TRANSLATIONS_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'widget', 'dist', 'i18n');

/** The languages the widget speaks (its `src/i18n/`). */
export const WIDGET_LANGUAGES = ['en', 'de', 'sv', 'fr', 'es'] as const;

// A day, then a week of serving the old copy while revalidating: strings change only with a widget release,
// and a day-old label is harmless. The ETag makes the revalidation cheap.
const CACHE = 'public, max-age=86400, stale-while-revalidate=604800';

/**
 * `GET /widget/i18n/<lang>.json`: the button's strings in one language. The script-tag bundle carries only
 * English and fetches these when a page (or a button's `lang`) asks for another language.
 */
export function translationRoutes(dir: string = DEFAULT_TRANSLATIONS_DIR): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/widget/i18n/:lang.json',
      summary: 'The widget’s strings in one language (fetched by the script tag for non-English pages)',
      tags: ['widget'],
      params: z.object({ lang: z.enum(WIDGET_LANGUAGES) }),
      responses: {
        200: { description: 'The strings, keyed as in the widget’s `src/i18n/strings.ts`', schema: z.record(z.string(), z.string()) },
        304: { description: 'Not modified (If-None-Match matched the ETag)' },
        503: { description: 'The widget has not been built (`widget_not_built`)' },
      },
      handler: async ({ req, res, params }) => {
        let body: Buffer;
        try {
          body = await readFile(path.join(dir, `${params.lang}.json`));
        } catch {
          throw new AppError(503, 'widget_not_built',
            'The widget translations are missing: run `npm run build -w @flattr/widget` (or `npm run build`) and reload');
        }
        const etag = `"${createHashOf(body)}"`;
        res.set({
          'Cache-Control': CACHE,
          ETag: etag,
          // Any page with buttons fetches them (CORS, no credentials).
          'Access-Control-Allow-Origin': '*',
          'Cross-Origin-Resource-Policy': 'cross-origin',
        });
        const ifNoneMatch = req.get('if-none-match');
        if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
          res.status(304).end();
          return;
        }
        res.status(200).type('application/json; charset=utf-8').send(body);
      },
    }),
  ];
}

function createHashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}
