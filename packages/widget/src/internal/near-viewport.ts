/**
 * Calls `callback` once, the first time `el` comes within `MARGIN` of the viewport. All buttons share one
 * IntersectionObserver, so a page with hundreds of buttons costs one observer, and buttons that enter
 * together fetch in the same tick (and so in the same counts batch). Every browser with custom elements and
 * constructable stylesheets (what Lit needs) has IntersectionObserver, so there is no fallback.
 */
const MARGIN = '200px';
const callbacks = new WeakMap<Element, () => void>();
let observer: IntersectionObserver | undefined;

export function whenNearViewport(el: Element, callback: () => void): () => void {
  observer ??= new IntersectionObserver(onIntersect, { rootMargin: MARGIN });
  callbacks.set(el, callback);
  observer.observe(el);
  return () => stop(el);
}

function onIntersect(entries: IntersectionObserverEntry[]): void {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    const callback = callbacks.get(entry.target);
    stop(entry.target);
    callback?.();
  }
}

function stop(el: Element): void {
  callbacks.delete(el);
  observer?.unobserve(el);
}
