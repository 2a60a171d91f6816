/**
 * The script-tag entry (`dist/flattr.js`):
 * `<script async src="https://flattr.example/widget/flattr.js" data-api="https://flattr.example"></script>`.
 * Defines `<flattr-button>`, upgrades old `a.FlattrButton` markup and runs the `window.flattr` command queue
 * (those two with code fetched from `flattr-lazy.js`, beside this file, only on pages that need them).
 * Safe to include twice.
 */
import '../components/flattr-button/flattr-button.js';
import { defaults, setDefaultApi } from '../internal/config.js';
import { loadLazy } from '../internal/load-lazy.js';
import type { Command, CommandQueue } from './command-queue.js';
import { apiFromScript, findLoaderScript } from './script-tag.js';

const script = findLoaderScript();
setDefaultApi(apiFromScript(script));
defaults.loaderUrl = script?.src;

const start = () => {
  const existing = window.flattr as CommandQueue | undefined;
  if (existing?.loaded) return; // a second loader on the page: the first one serves the queue
  const queue = (Array.isArray(existing) ? existing : []) as Command[] & { loaded?: true };
  let extras: Promise<void> | undefined;
  // Old markup and commands need code most pages do not: fetched once there is something for it to do.
  const load = () => (extras ??= loadLazy().then((m) => m.startExtras(queue), (error) => console.error('[flattr]', error)));
  queue.loaded = true;
  // Until that code is here, commands wait in the queue; it then replaces `push` with one that runs them at once.
  queue.push = (...commands: Command[]) => (load(), Array.prototype.push.apply(queue, commands));
  window.flattr = queue;
  if (queue.length || document.querySelector('a.FlattrButton')) void load();
};

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
