/**
 * `npm run bench` for the server: each benchmark returns a markdown section,
 * written into docs/benchmarks.md with the machine it ran on.
 * `node --import tsx bench/run.ts click-path` runs one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error plain ESM helper shared by every package's benchmarks
import { machineLine, updateBenchmarksSection } from '../../../scripts/benchmarks-doc.mjs';
import { benchClickPath } from './click-path.js';
import { benchMixedLoad } from './mixed-load.js';

const only = process.argv[2];
const benchmarks: Array<[string, () => Promise<string>]> = [['click-path', benchClickPath], ['mixed-load', benchMixedLoad]];
const distributionBench = path.join(import.meta.dirname, 'distribution.ts');
if (existsSync(distributionBench)) {
  const { benchDistribution } = (await import(distributionBench)) as { benchDistribution: () => Promise<string> };
  benchmarks.push(['distribution', benchDistribution]);
}

for (const [name, bench] of benchmarks) {
  if (only && only !== name) continue;
  console.log(`\n== benchmark: ${name}`);
  const markdown = await bench();
  console.log(markdown);
  await updateBenchmarksSection(name, `${markdown}\n\n${machineLine()}`);
}
