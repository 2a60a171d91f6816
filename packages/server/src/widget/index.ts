import type { ServerModule } from '../context.js';
import { bundleRoutes } from './serve-bundle.js';
import { createBundleReader, DEFAULT_BUNDLE_PATH, type BundleReader } from './widget-bundle.js';

export { createBundleReader, widgetScriptUrls, DEFAULT_BUNDLE_PATH, type BundleReader, type WidgetBundle } from './widget-bundle.js';
export { escapeHtml } from './html.js';

/** One reader of `packages/widget/dist/flattr.js` shared by the routes and the pages that link to it. */
export const defaultBundleReader: BundleReader = createBundleReader(DEFAULT_BUNDLE_PATH);

/** The script-tag bundle (`/widget/flattr.js`, versioned URL) and the confirm window (`/widget/confirm`). */
export function createWidgetModule(options: { bundlePath?: string } = {}): ServerModule {
  const readBundle = options.bundlePath ? createBundleReader(options.bundlePath) : defaultBundleReader;
  return {
    name: 'widget',
    routes: () => bundleRoutes(readBundle),
  };
}

export const widgetModule: ServerModule = createWidgetModule();
