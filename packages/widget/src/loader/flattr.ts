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
  // Old markup and commands need code most pages do not: fetched once there is something for it to do. Until it
  // is here, commands wait in the queue (the array's own push); it then replaces `push` with one that runs them.
  const load = () => {
    queue.push = Array.prototype.push;
    loadLazy().then((m) => m.startExtras(queue), (error) => console.error('[flattr]', error));
  };
  queue.loaded = true;
  queue.push = (...commands: Command[]) => (load(), queue.push(...commands));
  window.flattr = queue;
  if (queue.length || document.querySelector('a.FlattrButton')) void load();
};

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
