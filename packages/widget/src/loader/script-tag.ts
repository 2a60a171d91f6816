/**
 * Finds the `<script>` that loaded this file. `document.currentScript` is null for `async` and module
 * scripts, so fall back to a `data-flattr-loader` marker, then to a script whose src ends in `flattr.js`.
 */
export function findLoaderScript(doc: Document = document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  const marked = doc.querySelector<HTMLScriptElement>('script[data-flattr-loader]');
  if (marked) return marked;
  const bySrc = [...doc.querySelectorAll<HTMLScriptElement>('script[src]')].filter((s) =>
    /\/flattr(\.min)?\.js(?:[?#]|$)/.test(s.src),
  );
  return bySrc.at(-1) ?? null;
}

/** The service this page's buttons talk to: `data-api`, else the origin the script came from. */
export function apiFromScript(script: HTMLScriptElement | null): string | null {
  if (!script) return null;
  const explicit = script.getAttribute('data-api');
  if (explicit) return explicit;
  // `src` reads as an absolute URL (resolved against the page), or '' without the attribute.
  return script.src ? new URL(script.src).origin : null;
}
