/**
 * The script-tag entry (`dist/flattr.js`):
 * `<script async src="https://flattr.example/widget/flattr.js" data-api="https://flattr.example"></script>`.
 * Defines `<flattr-button>`, upgrades old `a.FlattrButton` markup and runs the `window.flattr` command queue.
 * Safe to include twice.
 */
import '../components/flattr-button/flattr-button.js';
import { setDefaultApi } from '../internal/config.js';
import { installCommandQueue } from './command-queue.js';
import { apiFromScript, findLoaderScript } from './script-tag.js';
import { upgradeLegacyButtons } from './upgrade.js';

setDefaultApi(apiFromScript(findLoaderScript()));

const start = () => {
  upgradeLegacyButtons();
  installCommandQueue();
};

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
