#!/usr/bin/env node
// Bundle sizes of the SDK (run after `npm run build`): min + gzip -9 of the
// IIFE, of the lite entry alone, and of exactly what the widget imports from
// it (read from packages/widget/src), against a baseline measured in the same
// run: a bare unbatched counts fetch. Writes the `sdk-size` section of docs/benchmarks.md.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import { machineLine, updateBenchmarksSection } from '../../../scripts/benchmarks-doc.mjs';

const root = path.resolve(import.meta.dirname, '..');
const widgetSrc = path.resolve(root, '..', 'widget', 'src');
const dist = (file) => path.join(root, 'dist', file);

/** Bundles `code` (an ES module that may import dist files) minified as an ES module: what a bundler would ship. */
async function minified(code) {
  const bundle = await rollup({
    input: 'entry',
    plugins: [{
      name: 'virtual-entry',
      resolveId: (id) => (id === 'entry' ? id : id.startsWith('@flattr/sdk') ? dist(`${id === '@flattr/sdk' ? 'index' : id.slice('@flattr/sdk/'.length)}.js`) : null),
      load: (id) => (id === 'entry' ? code : null),
    }],
    treeshake: { moduleSideEffects: false },
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ format: { comments: false } })] });
  await bundle.close();
  return output[0].code;
}

function sizes(code) {
  const bytes = Buffer.byteLength(code);
  const gzip = gzipSync(code, { level: 9 }).length;
  return { bytes, gzip };
}

/** What the widget's sources import from @flattr/sdk (per entry), values only (types vanish). */
function widgetImports() {
  const byEntry = new Map();
  let files = [];
  try {
    files = readdirSync(widgetSrc, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
  } catch {}
  for (const file of files) {
    const source = readFileSync(path.join(widgetSrc, file), 'utf8');
    for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@flattr\/sdk(?:\/[a-z-]+)?)'/g)) {
      const names = byEntry.get(match[2]) ?? new Set();
      byEntry.set(match[2], names);
      for (const part of match[1].split(',')) {
        const name = part.trim();
        if (name && !name.startsWith('type ')) names.add(name.split(/\s+as\s+/)[0]);
      }
    }
  }
  return [...byEntry].map(([entry, names]) => ({ entry, names: [...names].sort() }));
}

const imported = widgetImports();
const importCode = imported.map(({ entry, names }) => `export { ${names.join(', ')} } from '${entry}';`).join('\n');
const importLabel = imported.map(({ entry, names }) => `\`${names.join(', ')}\` from \`${entry}\``).join('; ') || '(none found)';
const rows = [
  ['`dist/flattr-sdk.iife.js` (whole SDK, global `FlattrSDK`)', sizes(readFileSync(dist('flattr-sdk.iife.js'), 'utf8'))],
  ['`@flattr/sdk` ESM, everything used (bundled + terser)', sizes(await minified("export * from '@flattr/sdk';"))],
  ['`@flattr/sdk/lite` alone (all of it)', sizes(await minified("export * from '@flattr/sdk/lite';"))],
  ['`@flattr/sdk/lite-core` alone (the widget\'s smaller entry: plain Errors)', sizes(await minified("export * from '@flattr/sdk/lite-core';"))],
  [`what the widget imports: ${importLabel}`, sizes(await minified(importCode || 'export {};'))],
  ['baseline: a bare unbatched counts fetch (no cache, no errors)', sizes(await minified(
    "export const count = (api, url) => fetch(api + '/v1/counts?url=' + encodeURIComponent(url)).then((r) => r.json()).then((b) => b.counts[url]);",
  ))],
];

const kb = (n) => `${n} B (${(n / 1024).toFixed(2)} KB)`;
const widgetRow = rows[4][1];
const baseline = rows[5][1];
const md = `## SDK bundle sizes (\`packages/sdk\`)

Command: \`npm run bench -w @flattr/sdk\` (\`scripts/bench-size.mjs\`, after \`npm run build\`). ${machineLine()}

| bundle | minified | min + gzip -9 |
| --- | ---: | ---: |
${rows.map(([name, s]) => `| ${name} | ${s.bytes} B | ${kb(s.gzip)} |`).join('\n')}

The widget's share of the SDK costs ${widgetRow.gzip - baseline.gzip} B gzip more than the bare fetch baseline (batching ≤ 100 URLs, shared promises, cache, abort, errors with status and code).
Goal (docs: widget protocol): lite ≤ ~1.5 KB min+gzip → **${rows[2][1].gzip <= 1536 ? 'met' : 'not met'}**.
`;

await updateBenchmarksSection('sdk-size', md);
console.log(md);
