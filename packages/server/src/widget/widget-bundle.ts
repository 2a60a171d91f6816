import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/index.js';

/**
 * The script-tag bundle built by the widget package (`npm run build -w @flattr/widget`).
 * Resolved inside the repository, not through node resolution: the server does
 * not depend on the widget package, it serves the file the build left there.
 */
export const DEFAULT_BUNDLE_PATH = path.resolve(import.meta.dirname, '..', '..', '..', 'widget', 'dist', 'flattr.js');

/** The loader's second file, which the build writes beside it (`flattr-lazy.js`). */
export function lazyPathBeside(bundlePath: string): string {
  return path.join(path.dirname(bundlePath), 'flattr-lazy.js');
}

export interface WidgetBundle {
  body: Buffer;
  /** First 16 hex digits of the sha256 of the body: names the versioned URL and the ETag. */
  hash: string;
}

/**
 * Reads the bundle, re-reading only when its size or mtime change, so a
 * rebuild during development shows up without a restart and a production
 * server reads the file once.
 */
export function createBundleReader(bundlePath: string = DEFAULT_BUNDLE_PATH) {
  let cached: { key: string; bundle: WidgetBundle } | undefined;
  return async function readBundle(): Promise<WidgetBundle> {
    let key: string;
    try {
      const info = await stat(bundlePath);
      key = `${info.size}:${info.mtimeMs}`;
    } catch {
      throw new AppError(503, 'widget_not_built',
        'The widget bundle is missing: run `npm run build -w @flattr/widget` (or `npm run build`) and reload');
    }
    if (cached?.key === key) return cached.bundle;
    const body = await readFile(bundlePath);
    const bundle = { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 16) };
    cached = { key, bundle };
    return bundle;
  };
}

export type BundleReader = ReturnType<typeof createBundleReader>;

/** Where the script tag should point: the moving URL and the immutable one of the current build. */
export async function widgetScriptUrls(readBundle: BundleReader, publicUrl: string): Promise<{ latest: string; versioned: string | null }> {
  const latest = `${publicUrl}/widget/flattr.js`;
  try {
    const { hash } = await readBundle();
    return { latest, versioned: `${publicUrl}/widget/v/${hash}/flattr.js` };
  } catch {
    return { latest, versioned: null };
  }
}
