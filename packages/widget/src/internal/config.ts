/**
 * Page-wide defaults. The script-tag loader sets `api` from its `data-api` (or its own origin) so that
 * `<flattr-button>` elements without an `api` attribute talk to the service that served the script.
 */
export const defaults: { api: string | null } = { api: null };

export function setDefaultApi(api: string | null): void {
  defaults.api = api;
}
