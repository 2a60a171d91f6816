// `npm run bench`: every bench/*.bench.mjs, in name order, each as its own process; stops at the first failure.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const benches = readdirSync(dir).filter((name) => name.endsWith('.bench.mjs')).sort();
for (const name of benches) {
  console.log(`\n# ${name}`);
  const result = spawnSync(process.execPath, [path.join(dir, name)], { cwd: path.resolve(dir, '..'), stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${name} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}
