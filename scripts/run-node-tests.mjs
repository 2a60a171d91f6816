#!/usr/bin/env node
// Runs the calling package's test/**/*.test.ts with node's test runner under tsx.
// Node 20 does not expand globs in `node --test` arguments, so the files are listed here.
// Run from a package folder (npm scripts do); arguments filter by substring of the path,
// e.g. `node ../../scripts/run-node-tests.mjs unit`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const filter = process.argv.slice(2);
const files = readdirSync(path.join(root, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort()
  .map((f) => path.join('test', f));

const reporters = [
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${pathToFileURL(path.join(import.meta.dirname, 'test-times-reporter.mjs'))}`, '--test-reporter-destination=stdout',
];
const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
