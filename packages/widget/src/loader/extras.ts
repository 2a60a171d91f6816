/**
 * What the script tag needs only on some pages: upgrading old `a.FlattrButton` markup and running the
 * `window.flattr` command queue. The loader fetches it (with the click flow, in `flattr-lazy.js`) when the page
 * has old markup or commands; a page with `<flattr-button>` elements only never does.
 */
import { runQueue, type Command } from './command-queue.js';
import { upgradeLegacyButtons } from './upgrade.js';

export function startExtras(queue: Command[]): void {
  upgradeLegacyButtons();
  runQueue(queue);
}
