/**
 * Finds the `<script>` that loaded this file. `document.currentScript` is null for `async` and module
 * scripts, so fall back to a `data-flattr-loader` marker, then to a script whose src ends in `flattr.js`.
 */
export function findLoaderScript(doc: Document = document): HTMLScriptElement | null {
  return (
    (doc.currentScript as HTMLScriptElement | null) ??
    doc.querySelector<HTMLScriptElement>('script[data-flattr-loader]') ??
    [...doc.querySelectorAll<HTMLScriptElement>('script[src]')].filter((s) => /\/flattr(\.min)?\.js(?:[?#]|$)/.test(s.src)).at(-1) ??
    null
  );
}

/** The service this page's buttons talk to: `data-api`, else the origin the script came from. */
export function apiFromScript(script: HTMLScriptElement | null): string | null {
  // `src` reads as an absolute URL (resolved against the page), or '' without the attribute.
  return script && (script.getAttribute('data-api') || (script.src ? new URL(script.src).origin : null));
}
