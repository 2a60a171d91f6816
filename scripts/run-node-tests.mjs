#!/usr/bin/env node
// Runs the calling package's test/**/*.test.ts (or, with `--dir=e2e`, e2e/**/*.test.ts) with node's test
// runner under tsx. Node 20 does not expand globs in `node --test` arguments, so the files are listed here.
// Run from a package folder (npm scripts do); other arguments filter by substring of the path,
// e.g. `node ../../scripts/run-node-tests.mjs unit`.
//
// Test files run two at a time (TEST_CONCURRENCY=1 for one at a time): each file is a process of its own
// with its own database name, server port and browser, and much of a file's time is waiting (on the
// database, a child process, Chromium), which the other file fills. Measured in docs/ci.md.
// Beside the spec reporter, test-times-reporter.mjs prints each file's time at the end.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const args = process.argv.slice(2);
const dir = args.find((a) => a.startsWith('--dir='))?.slice('--dir='.length) ?? 'test';
const filter = args.filter((a) => !a.startsWith('--dir='));
const files = (existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir), { recursive: true }) : [])
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort()
  .map((f) => path.join(dir, f));
if (files.length === 0) {
  console.log(`No tests in ${dir}/ (${dir}/**/*.test.ts)${filter.length ? ` matching ${filter.join(', ')}` : ''}: nothing to run.`);
  process.exit(0);
}

const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
  console.error(`TEST_CONCURRENCY must be a whole number ≥ 1, got "${process.env.TEST_CONCURRENCY}"`);
  process.exit(2);
}
const reporters = [
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${pathToFileURL(path.join(import.meta.dirname, 'test-times-reporter.mjs'))}`, '--test-reporter-destination=stdout',
];
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...reporters, ...files], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
