import type { Response } from 'express';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import type { BundleReader, WidgetBundle } from './widget-bundle.js';

const SHORT_CACHE = 'public, max-age=300';
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/**
 * `GET /widget/flattr.js` (the one-line script tag; short cache so upgrades
 * reach pages within minutes) and `GET /widget/v/<hash>/flattr.js` (the same
 * bytes under a content-addressed URL, cached for a year).
 */
export function bundleRoutes(readBundle: BundleReader, readLazy: BundleReader): AnyRouteSpec[] {
  const jsResponses = {
    200: { description: 'The script-tag loader (minified IIFE)', contentType: 'text/javascript' },
    304: { description: 'Not modified (If-None-Match matched the ETag)' },
    503: { description: 'The widget has not been built (`widget_not_built`)' },
  };
  return [
    defineRoute({
      method: 'get',
      path: '/widget/flattr.js',
      summary: 'The widget loader for the script tag (short cache)',
      tags: ['widget'],
      responses: jsResponses,
      handler: async ({ req, res }) => {
        sendBundle(res, await readBundle(), SHORT_CACHE, req.get('if-none-match'));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/widget/v/:hash/flattr.js',
      summary: 'The widget loader under its content hash (immutable, cached for a year)',
      tags: ['widget'],
      params: z.object({ hash: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digits of a build') }),
      responses: {
        ...jsResponses,
        302: { description: 'An older build: redirects to /widget/flattr.js (this server keeps only the current build)' },
      },
      handler: async ({ req, res, params }) => {
        const bundle = await readBundle();
        if (params.hash !== bundle.hash) {
          // Serving today's bytes under yesterday's immutable URL would pin them
          // in caches under the wrong name; the moving URL is the honest answer.
          res.set('Cache-Control', 'no-store').redirect(302, '/widget/flattr.js');
          return;
        }
        sendBundle(res, bundle, IMMUTABLE_CACHE, req.get('if-none-match'));
      },
    }),
    // The loader's second file, fetched by `import('./flattr-lazy.js?v=…')` from beside flattr.js (module
    // scripts are fetched with CORS, hence the same open headers): the click flow, old markup, commands.
    defineRoute({
      method: 'get',
      path: '/widget/flattr-lazy.js',
      summary: 'The part of the loader fetched on the first click or for old markup and commands (short cache)',
      tags: ['widget'],
      responses: jsResponses,
      handler: async ({ req, res }) => {
        sendBundle(res, await readLazy(), SHORT_CACHE, req.get('if-none-match'));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/widget/v/:hash/flattr-lazy.js',
      summary: 'The same beside a versioned loader (`hash` is the loader\'s): immutable, cached for a year',
      tags: ['widget'],
      params: z.object({ hash: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digits of a build') }),
      responses: {
        ...jsResponses,
        302: { description: 'Beside an older loader: to /widget/flattr-lazy.js (this server keeps only the current build)' },
      },
      handler: async ({ req, res, params }) => {
        // The loader's hash names the build, and so this file too (the loader names it by its content hash).
        if (params.hash !== (await readBundle()).hash) {
          res.set('Cache-Control', 'no-store').redirect(302, '/widget/flattr-lazy.js');
          return;
        }
        sendBundle(res, await readLazy(), IMMUTABLE_CACHE, req.get('if-none-match'));
      },
    }),
  ];
}

function sendBundle(res: Response, bundle: WidgetBundle, cacheControl: string, ifNoneMatch: string | undefined): void {
  const etag = `"${bundle.hash}"`;
  res.set({
    'Cache-Control': cacheControl,
    ETag: etag,
    // Any page may load the script (also with crossorigin="anonymous" for SRI).
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  });
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    res.status(304).end();
    return;
  }
  res.status(200).type('text/javascript; charset=utf-8').send(bundle.body);
}
