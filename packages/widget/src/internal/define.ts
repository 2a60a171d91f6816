/** Set on the window once a version clash was reported: every copy of the element on the page sees it. */
const WARNED = Symbol.for('flattr:version-clash-warned');

/**
 * Defines the element unless the page already has one under that name: pages include embeds twice (two script
 * tags, a bundled copy and the loader), and the first definition wins. When the one already there is another
 * version, the page gets one console warning naming both, as Shoelace does: two versions cannot both run.
 */
export function defineElement(name: string, element: CustomElementConstructor & { version: string }): void {
  const existing = customElements.get(name) as { version?: string } | undefined;
  if (!existing) customElements.define(name, element);
  else if (existing.version !== element.version && !(window as unknown as Record<symbol, boolean>)[WARNED]) {
    (window as unknown as Record<symbol, boolean>)[WARNED] = true;
    console.warn(`flattr: ${name} ${element.version} ignored, ${existing.version} already defined`);
  }
}
