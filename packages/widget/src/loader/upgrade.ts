import { parseRev, readDataAttributes, setMissingAttributes, toLangTag } from '../internal/legacy.js';

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
  setMissingAttributes(button, {
    url: options.url || (link.getAttribute('href') && link.href),
    title: options.title || link.title || link.textContent!.trim(),
    creator: options.uid,
    category: options.category,
    tags: options.tags,
    lang: options.language && toLangTag(options.language),
    api: options.api,
    // Old Flattr: the default button was the large counter, `button:compact` the one-line one; both had counts.
    size: options.button === 'compact' ? 'compact' : 'large',
    'show-count': 'show-count',
  });
  link.setAttribute(UPGRADED, '');
  link.replaceWith(button);
  button.append(link);
  return button;
}
