/**
 * Page-wide defaults. The script-tag loader sets `api` from its `data-api` (or its own origin) so that
 * `<flattr-button>` elements without an `api` attribute talk to the service that served the script, and
 * `loaderUrl` to its own URL, beside which its second file lies.
 */
export const defaults: { api: string | null; loaderUrl?: string } = { api: null };

export function setDefaultApi(api: string | null): void {
  defaults.api = api;
}

/**
 * The absolute URL of a file beside the loader script. Absolute on purpose: `import()` in a script loaded from
 * another origin without `crossorigin` has no base URL to resolve `./file.js` against (Chromium: about:blank).
 * When the loader could not find its own tag, the service's `/widget/` directory.
 */
export function besideLoader(file: string): string {
  return new URL(file, defaults.loaderUrl || `${defaults.api}/widget/`).href;
}
