/** The URL a button without `url` stands for: the page's canonical URL, else the current address. */
export function pageUrl(doc: Document): string {
  const canonical = doc.querySelector<HTMLLinkElement>('link[rel~="canonical"][href]');
  // `.href` resolves a relative canonical link against the document's base URL.
  return canonical?.href || doc.location.href;
}

/** `YYYY-MM` of the reader's UTC clock: the month a flattr made now counts for. */
export function currentPeriod(): string {
  return new Date().toISOString().slice(0, 7);
}

/** The origin of an API base URL, or null when it is not an absolute http(s) URL. */
export function originOf(api: string): string | null {
  try {
    const url = new URL(api, document.baseURI);
    return /^https?:$/.test(url.protocol) ? url.origin : null;
  } catch {
    return null;
  }
}
