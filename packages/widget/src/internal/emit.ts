/**
 * Dispatches a typed CustomEvent from `el`. Events bubble and cross shadow roots by default so a page can
 * listen on `document` for every button it embeds.
 */
export function emit<K extends keyof GlobalEventHandlersEventMap>(
  el: HTMLElement,
  name: K,
  init: GlobalEventHandlersEventMap[K] extends CustomEvent<infer D> ? CustomEventInit<D> : CustomEventInit,
): GlobalEventHandlersEventMap[K] {
  const event = new CustomEvent(name, { bubbles: true, composed: true, ...init });
  el.dispatchEvent(event);
  return event as GlobalEventHandlersEventMap[K];
}
