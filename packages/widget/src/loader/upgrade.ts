import { parseRev, readDataAttributes, toLangTag } from '../internal/legacy.js';

const UPGRADED = 'data-flattr-upgraded';

/**
 * Turns old Flattr markup into buttons:
 * `<a class="FlattrButton" href="…" title="…" rev="flattr;uid:alice;button:compact;" data-flattr-*>`.
 * The link moves inside the new element, where it is not rendered: pages without JavaScript still show
 * the plain link, crawlers still see it, and nothing is written with `document.write`.
 */
export function upgradeLegacyButtons(root: ParentNode = document): HTMLElement[] {
  const links = root.querySelectorAll<HTMLAnchorElement>(`a.FlattrButton:not([${UPGRADED}])`);
  return [...links].map(upgradeLink);
}

function upgradeLink(link: HTMLAnchorElement): HTMLElement {
  const options = { ...parseRev(link.getAttribute('rev') ?? link.getAttribute('rel')), ...readDataAttributes(link) };
  const button = link.ownerDocument.createElement('flattr-button');
  const set = (name: string, value: string | undefined | null) => {
    if (value) button.setAttribute(name, value);
  };
  set('url', options.url || (link.getAttribute('href') ? link.href : undefined));
  set('title', options.title || link.title || link.textContent?.trim());
  set('creator', options.uid);
  set('category', options.category);
  set('tags', options.tags);
  set('lang', options.language ? toLangTag(options.language) : undefined);
  set('api', options.api);
  // Old Flattr: the default button was the large counter, `button:compact` the one-line one; both had counts.
  button.setAttribute('size', options.button === 'compact' ? 'compact' : 'large');
  button.toggleAttribute('show-count', true);
  link.setAttribute(UPGRADED, '');
  link.replaceWith(button);
  button.append(link);
  return button;
}
