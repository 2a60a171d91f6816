// Size of the script-tag bundle (min + gzip -9) against Lit alone built with the same settings, in one run.
// Goal (issue 5): dist/flattr.js ≤ Lit + 4 KB.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { lazyAsFile, minifyCss, minifyHtml, tsOptions, terserOptions } from '../rollup.config.mjs';
import { machineLine, updateBenchmarksSection } from '../../../scripts/benchmarks-doc.mjs';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);

const built = spawnSync('npx', ['rollup', '-c', 'rollup.config.mjs', '--silent'], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('npm run build failed');
const ours = await readFile(path.join(root, 'dist/flattr.js'));
// The second file: fetched on the first click, or at load only by pages with old markup or queued commands.
const lazy = await readFile(path.join(root, 'dist/flattr-lazy.js'));
// Fetched by the script tag only for buttons in another language than English: one request per language.
const languages = ['de', 'sv', 'fr', 'es'];
const strings = await Promise.all(languages.map((lang) => readFile(path.join(root, `dist/i18n/${lang}.json`))));

/** Builds one entry exactly like dist/flattr.js (IIFE, same plugins and terser settings). */
async function bundle(input) {
  const build = await rollup({
    input: path.join(root, input),
    plugins: [nodeResolve({ browser: true }), typescript(tsOptions), lazyAsFile(), minifyCss(), minifyHtml(), terser(terserOptions)],
    onwarn: (warning, warn) => (warning.code === 'EMPTY_BUNDLE' ? undefined : warn(warning)),
  });
  const { output } = await build.generate({ format: 'iife', name: 'x' });
  await build.close();
  return Buffer.from(output[0].code);
}

const measure = (buf) => ({ min: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
const a = measure(ours);
const second = measure(lazy);
const b = measure(await bundle('bench/lit-only.ts'));
// Where the bytes go: the element without the loader, and two of its parts built on their own.
const element = measure(await bundle('src/components/flattr-button/flattr-button.ts'));
const sdk = measure(await bundle('bench/parts/sdk-lite.ts'));
const i18n = measure(await bundle('bench/parts/i18n.ts'));
const diff = a.gzip - b.gzip;
const goal = 4 * 1024;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;

const md = `## Widget bundle size (\`packages/widget\`)

Command: \`npm run bench -w @flattr/widget\` (\`bench/size.bench.mjs\`). ${machineLine()}

| bundle | minified | min + gzip -9 |
| --- | ---: | ---: |
| \`dist/flattr.js\` (Lit + element + loader + SDK lite-core counts + English strings shown before a click ends, IIFE) | ${a.min} B | ${a.gzip} B (${kb(a.gzip)}) |
| Lit alone + a trivial element (same rollup/terser settings) | ${b.min} B | ${b.gzip} B (${kb(b.gzip)}) |
| **difference (our code)** | ${a.min - b.min} B | **${diff} B (${kb(diff)})** |

Where the difference goes (each part built alone the same way; gzip of parts does not add up exactly):

| part | min + gzip -9 |
| --- | ---: |
| element, with SDK lite and strings (Lit + element bundle − Lit) | ${element.gzip - b.gzip} B |
| of which \`@flattr/sdk/lite-core\` (the counts batcher, the confirm window's URL and \`window.open\`) alone | ${sdk.gzip} B |
| of which the English strings, the language lookup and the on-demand loading of the others alone | ${i18n.gzip} B |
| loader: script lookup, the command queue's stand-in until its code arrives (full − element bundle) | ${a.gzip - element.gzip} B |

The second file, \`dist/flattr-lazy.js\` (ES module, fetched beside \`flattr.js\` on the first click, or at load by pages
with old \`a.FlattrButton\` markup or queued commands; never by a page that only shows buttons): ${second.min} B minified,
**${second.gzip} B** min + gzip -9. It holds the click flow (the one-click flattr, waiting for the confirm window's
result with the SDK's \`waitForConfirmResult\`, and every end of a click: flattred, needs-login, error, the blocked
window's link, with the English strings only those show), the old-markup upgrade and the command queue. The
element in \`flattr.js\` does only what must happen inside the reader's click (the event, opening the window).

Goal: ≤ Lit + 4 KB (${goal} B) → ${diff <= goal ? '**met**' : '**not met**'}.

Requests beyond \`flattr.js\` at load: none for a page in English that shows buttons (the second file comes with the
first click). Buttons in another language ask once per page and
language for \`GET /widget/i18n/<lang>.json\` (the strings the bundle leaves out; browser-cached a day), min + gzip -9:
${languages.map((lang, i) => `${lang} ${measure(strings[i]).gzip} B`).join(', ')}. Counts and one-click requests: see the page-load benchmark.
`;
console.log(md);
await updateBenchmarksSection('widget-size', md);
