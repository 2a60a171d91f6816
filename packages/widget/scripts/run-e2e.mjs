// Runs the end-to-end tests (e2e/**/*.test.ts, written against the real server and database) with node's
// test runner. Node 20 does not expand globs, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const e2eDir = path.join(root, 'e2e');

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

const filter = process.argv[2];
const files = testFiles(e2eDir).filter((file) => !filter || file.includes(filter));
if (files.length === 0) {
  console.log(`No end-to-end tests found in ${path.relative(process.cwd(), e2eDir) || 'e2e'}/ (e2e/**/*.test.ts)${filter ? ` matching "${filter}"` : ''}: nothing to run.`);
  process.exit(0);
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
