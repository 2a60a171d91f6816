/** `php -l` on every PHP file of the plugin: WordPress would stop at the first syntax error on activation. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { run } from './support/processes.js';
import { missingPrerequisites, PLUGIN_DIR } from './support/wordpress.js';

const files = readdirSync(PLUGIN_DIR, { recursive: true }).map(String).filter((f) => f.endsWith('.php')).sort();
const noPhp = missingPrerequisites().some((m) => m.startsWith('php '));
const skip = noPhp && !process.env.CI ? 'needs php (Debian: php-cli)' : false;

describe('php -l on every file of the plugin', { skip }, () => {
  it('finds the plugin\'s files', () => {
    assert.ok(files.includes('flattr-button.php') && files.length > 5, files.join(', '));
  });
  for (const file of files) {
    it(file, async () => {
      const output = await run('php', ['-l', path.join(PLUGIN_DIR, file)]);
      assert.match(output, /No syntax errors detected/);
    });
  }
});
