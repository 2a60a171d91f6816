#!/usr/bin/env node
// Runs a command, passes its output through, and ends with one plain line
// `total: N passed, N failed` adding up every test runner's own summary
// (node's test runner: `ℹ pass N` / `ℹ fail N` from the spec reporter, `# pass N` / `# fail N` from TAP;
// web-test-runner: its progress line `… | N passed, N failed`, of which the last one per package counts).
// Before it, one line per package (lerna's `--stream` prefix) with the time from its first line of output
// to its last, so a log says where the time went. Exits with the command's code, or 1 when any runner
// reported a failure.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
let passed = 0;
let failed = 0;
let buffered = '';
/** web-test-runner reprints its progress line; keep the latest per package prefix. */
const browserRuns = new Map();
/** Package prefix → [first, last] time its output was seen (ms). */
const packageTimes = new Map();

function scan(chunk) {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop();
  for (const line of lines) count(line);
}

function count(line) {
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  let m;
  if ((m = /^(@[\w.-]+\/[\w.-]+): /.exec(plain))) {
    const seen = packageTimes.get(m[1]) ?? [Date.now(), 0];
    seen[1] = Date.now();
    packageTimes.set(m[1], seen);
  }
  if ((m = /(?:ℹ|#) pass (\d+)\s*$/.exec(plain))) passed += Number(m[1]);
  else if ((m = /(?:ℹ|#) fail (\d+)\s*$/.exec(plain))) failed += Number(m[1]);
  else if ((m = /^(.*?)\S+: \|.*\| \d+\/\d+ test files \| (\d+) passed, (\d+) failed/.exec(plain))) {
    browserRuns.set(m[1], [Number(m[2]), Number(m[3])]);
  }
}

child.stdout.on('data', (d) => { process.stdout.write(d); scan(d.toString()); });
child.stderr.on('data', (d) => { process.stderr.write(d); scan(d.toString()); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (buffered) count(buffered);
  for (const [p, f] of browserRuns.values()) {
    passed += p;
    failed += f;
  }
  if (packageTimes.size > 0) {
    console.log('\npackage times:');
    for (const [name, [first, last]] of packageTimes) console.log(`  ${((last - first) / 1000).toFixed(0).padStart(5)} s  ${name}`);
  }
  console.log(`\ntotal: ${passed} passed, ${failed} failed`);
  const exitCode = code ?? (signal ? 1 : 0);
  process.exit(exitCode !== 0 ? exitCode : failed > 0 ? 1 : 0);
});
