/**
 * A WordPress with this plugin for trying it by hand: the same stage the test builds (Debian's WordPress,
 * php -S, a MariaDB in a temporary folder), kept running until Ctrl-C, then removed.
 *   node --import tsx examples/cms-plugin/scripts/try-wordpress.ts
 */
import { missingPrerequisites, startWordPress } from '../test/support/wordpress.js';

const missing = missingPrerequisites();
if (missing.length > 0) {
  console.error(`Missing: ${missing.join(', ')}`);
  process.exit(1);
}
const wp = await startWordPress();
console.log(`WordPress: ${wp.url}/wp-admin/ (user ${wp.admin.user}, password ${wp.admin.password})`);
console.log('Activate "Flattr Button" under Plugins, then set the service in Settings → Flattr. Ctrl-C stops everything.');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void wp.stop().then(() => process.exit(0));
  });
}
