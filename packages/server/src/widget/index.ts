import path from 'node:path';
import express, { type RequestHandler } from 'express';
import type { ServerModule } from '../context.js';
import { confirmRoutes } from './confirm/confirm-routes.js';
import { flattrLinkRoutes } from './confirm/flattr-link.js';
import { bundleRoutes } from './serve-bundle.js';
import { translationRoutes } from './serve-translations.js';
import { createBundleReader, DEFAULT_BUNDLE_PATH, lazyPathBeside, type BundleReader } from './widget-bundle.js';

export { createBundleReader, widgetScriptUrls, DEFAULT_BUNDLE_PATH, type BundleReader, type WidgetBundle } from './widget-bundle.js';
export { CONFIRM_CSP } from './confirm/confirm-routes.js';
export { flattrLinkUrl, returnTarget } from './confirm/flattr-link.js';
export { parseConfirmInput, isExactHttpOrigin, type ConfirmInput } from './confirm/confirm-input.js';
export type { FlattrResultMessage } from './confirm/confirm-pages.js';

/** One reader of `packages/widget/dist/flattr.js` shared by the routes and the pages that link to it. */
export const defaultBundleReader: BundleReader = createBundleReader(DEFAULT_BUNDLE_PATH);

const STATIC_DIR = path.join(import.meta.dirname, 'static');

/**
 * The confirm window sends a reader without a session through the login or
 * signup page and back. Helmet's default `Cross-Origin-Opener-Policy:
 * same-origin` on any page of that trip would put the window in a new
 * browsing context group and cut `window.opener` for good, so the result
 * could never be posted back. Only that trip is relaxed (its `next` is the
 * confirm window); every other login keeps the strict policy.
 */
const keepOpenerOnTheWayToConfirm: RequestHandler = (req, res, next) => {
  const target = (req.method === 'POST' ? (req.body as Record<string, unknown> | undefined)?.next : req.query.next);
  if (typeof target === 'string' && target.startsWith('/widget/confirm?')) res.setHeader('Cross-Origin-Opener-Policy', 'unsafe-none');
  next();
};

/**
 * The script-tag bundle (`/widget/flattr.js`, versioned URL, and its second file `flattr-lazy.js`), its translations (`/widget/i18n/<lang>.json`)
 * the confirm window (`/widget/confirm`) and the plain link to it (`/flattr`).
 */
export function createWidgetModule(options: { bundlePath?: string; translationsDir?: string } = {}): ServerModule {
  const readBundle = options.bundlePath ? createBundleReader(options.bundlePath) : defaultBundleReader;
  const readLazy = createBundleReader(lazyPathBeside(options.bundlePath ?? DEFAULT_BUNDLE_PATH));
  return {
    name: 'widget',
    // The confirm window's stylesheet and its one script (CSP `'self'` only).
    mount(app) {
      app.use('/widget/static', express.static(STATIC_DIR, { index: false, maxAge: '5m', fallthrough: true }));
      app.use(['/account/login', '/account/signup'], keepOpenerOnTheWayToConfirm);
    },
    routes: (ctx) => [...bundleRoutes(readBundle, readLazy), ...translationRoutes(options.translationsDir), ...confirmRoutes(ctx), ...flattrLinkRoutes(ctx)],
  };
}

export const widgetModule: ServerModule = createWidgetModule();
