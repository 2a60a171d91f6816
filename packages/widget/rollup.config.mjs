// Two builds: the script-tag IIFE (everything bundled and minified) and the ES module for bundlers (Lit and
// the SDK stay external, so an app shares its own copies).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const tsOptions = {
  tsconfig: './tsconfig.json',
  include: ['src/**/*.ts', 'bench/**/*.ts'],
  compilerOptions: { noEmit: false, declaration: false, sourceMap: false, rootDir: '.' },
};

// Same minifier settings for our bundle and for the Lit-only baseline of the size benchmark. Properties
// starting with `_` are our private members (Lit's own internals start with `_$`), safe to shorten.
export const terserOptions = {
  ecma: 2020,
  module: false,
  compress: { passes: 2 },
  mangle: { properties: { regex: /^_[A-Za-z]/ } },
  format: { comments: false },
};

/** Collapses whitespace and comments inside the css`` templates of `*.styles.ts` (terser leaves strings alone). */
export function minifyCss() {
  return {
    name: 'minify-css',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      const out = code.replace(/css\s*`([^`]*)`/g, (_, body) =>
        'css`' +
        body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,>])\s*/g, '$1')
          .replace(/:\s+/g, ':')
          .replace(/;}/g, '}')
          .replace(/([^\w.#-])0\.(\d)/g, '$1.$2')
          // [size='large'] → [size=large]: an identifier needs no quotes in an attribute selector.
          .replace(/\[([\w-]+)='([A-Za-z][\w-]*)'\]/g, '[$1=$2]')
          .trim() +
        '`',
      );
      return { code: out, map: null };
    },
  };
}

/** Languages the script tag fetches on demand (English is bundled; its file is there for completeness). */
export const LANGUAGES = ['en', 'de', 'sv', 'fr', 'es'];

/**
 * Writes `dist/i18n/<lang>.json` from `src/i18n/<lang>.ts`: the strings the script-tag bundle fetches from
 * the service (`GET /widget/i18n/<lang>.json`) when a page is not in English. One source for both builds.
 */
export function emitTranslations() {
  return {
    name: 'emit-translations',
    async generateBundle() {
      for (const language of LANGUAGES) {
        const source = await readFile(new URL(`./src/i18n/${language}.ts`, import.meta.url), 'utf8');
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
        const strings = (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`))[language];
        if (!strings || typeof strings.flattr !== 'string') throw new Error(`src/i18n/${language}.ts does not export ${language}`);
        this.emitFile({ type: 'asset', fileName: `i18n/${language}.json`, source: JSON.stringify(strings) });
      }
    },
  };
}

/**
 * Drops the indentation inside the html`` templates of `*.component.ts`: whitespace with a line break in it
 * goes away next to a tag and becomes one space elsewhere (between attributes). Text nodes keep their words.
 * Walks the code so that templates nested in `${…}` are handled too; only the static parts change.
 */
export function minifyHtml() {
  const squeeze = (text) => text.replace(/\s*\n\s*/g, ' ').replace(/\s*([<>])\s*/g, '$1');
  return {
    name: 'minify-html',
    transform(code, id) {
      if (!id.endsWith('.component.ts')) return null;
      let out = '';
      let i = 0;
      // TypeScript's output writes the tag as `html \``: the length of the tag and backtick at i, else 0.
      const tagAt = () => /^html\s*`/.exec(code.slice(i, i + 8))?.[0].length ?? 0;
      const template = () => {
        // code[i] is just past the opening backtick
        let text = '';
        while (i < code.length && code[i] !== '`') {
          if (code[i] === '\\') {
            text += code[i] + code[i + 1];
            i += 2;
          } else if (code[i] === '$' && code[i + 1] === '{') {
            out += squeeze(text) + '${';
            text = '';
            i += 2;
            expression();
          } else text += code[i++];
        }
        out += squeeze(text) + '`';
        i++;
      };
      const expression = () => {
        for (let depth = 1; i < code.length; ) {
          if (tagAt()) {
            out += 'html`';
            i += tagAt();
            template();
            continue;
          }
          const c = code[i++];
          out += c;
          if (c === '{') depth++;
          else if (c === '}' && --depth === 0) return;
        }
      };
      while (i < code.length) {
        if (tagAt()) {
          out += 'html`';
          i += tagAt();
          template();
        } else out += code[i++];
      }
      return { code: out, map: null };
    },
  };
}

/** The script tag's second file, beside `flattr.js` (built first, by the first config below). */
export const LAZY_FILE = 'dist/flattr-lazy.js';

/** The one dynamic import of `src/lazy.ts` (src/internal/load-lazy.ts): `flattr-lazy.js` in the script-tag build. */
const LAZY_IMPORTS = ["import('../lazy.js')"];

/**
 * For the script-tag IIFE, which cannot hold a second chunk: `import('../lazy.js')` becomes `import(besideLoader('flattr-lazy.js?v=<hash>'))`, left for the browser: the
 * absolute URL of the file beside `flattr.js` (also under `/widget/v/<hash>/`), whatever page loaded it. Absolute,
 * because `import()` in a script from another origin has no base URL of its own (src/internal/config.ts). `?v=` is
 * the file's content hash: a new loader never takes an old file from the browser's cache.
 */
export function lazyAsFile() {
  let file;
  const config = fileURLToPath(new URL('./src/internal/config.ts', import.meta.url));
  return {
    name: 'lazy-as-file',
    async buildStart() {
      // Absent on the first pass of a fresh build (see scriptTagNames): that pass only fills the name table.
      const bytes = await readFile(new URL(`./${LAZY_FILE}`, import.meta.url)).catch(() => Buffer.alloc(0));
      file = `flattr-lazy.js?v=${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
    },
    transform(code) {
      if (!LAZY_IMPORTS.some((i) => code.includes(i))) return null;
      // Not a string literal: rollup leaves such a dynamic import alone.
      let replaced = code;
      for (const i of LAZY_IMPORTS) replaced = replaced.replaceAll(i, `import(besideLoader(${JSON.stringify(file)}))`);
      return { code: `import { besideLoader } from ${JSON.stringify(config)};\n${replaced}`, map: null };
    },
  };
}

/**
 * One property-mangling table for both files of the script tag: `flattr-lazy.js` drives the element's private
 * `_` members (the click flow sets its state, shows the fallback link), so `_state` must get the same short name in
 * both. `flattr.js` is minified first (its names avoid every property of its own code, Lit's short ones included)
 * and fills the table; the lazy file takes those names and picks new ones only for what it alone uses; then
 * `flattr.js` is built again, now naming that file by its hash, with the same names (all in the table). Every `_`
 * member the lazy file touches on the element is therefore one the element itself declares.
 */
const scriptTagNames = {};

const scriptTag = () => ({
  input: 'src/loader/flattr.ts',
  output: { file: 'dist/flattr.js', format: 'iife', sourcemap: false },
  plugins: [nodeResolve({ browser: true }), typescript(tsOptions), lazyAsFile(), minifyCss(), minifyHtml(), terser({ ...terserOptions, nameCache: scriptTagNames }), emitTranslations()],
});

export default [
  // First pass: fills the name table (its flattr.js is overwritten by the third).
  scriptTag(),
  {
    // Then the second file: the script-tag bundle names it by its hash.
    input: 'src/lazy.ts',
    output: { file: LAZY_FILE, format: 'es', sourcemap: false },
    plugins: [nodeResolve({ browser: true }), typescript(tsOptions), minifyCss(), minifyHtml(), terser({ ...terserOptions, module: true, nameCache: scriptTagNames })],
  },
  scriptTag(),
  {
    input: 'src/index.ts',
    // Shared code stays in index.js (no facade file): its side effect, defining the element, is where package.json says.
    preserveEntrySignatures: 'allow-extension',
    // A directory: the click flow (src/lazy.ts) becomes a chunk of its own that bundlers load on the first click.
    output: { dir: 'dist', entryFileNames: 'index.js', chunkFileNames: 'chunks/[name]-[hash].js', format: 'es', sourcemap: true },
    external: (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/') || id.startsWith('@flattr/sdk'),
    plugins: [nodeResolve({ browser: true }), typescript({ ...tsOptions, compilerOptions: { ...tsOptions.compilerOptions, sourceMap: true } })],
  },
];
