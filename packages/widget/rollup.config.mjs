// Two builds: the script-tag IIFE (everything bundled and minified) and the ES module for bundlers (Lit and
// the SDK stay external, so an app shares its own copies).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

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
          .trim() +
        '`',
      );
      return { code: out, map: null };
    },
  };
}

export default [
  {
    input: 'src/loader/flattr.ts',
    output: { file: 'dist/flattr.js', format: 'iife', sourcemap: false },
    plugins: [nodeResolve({ browser: true }), typescript(tsOptions), minifyCss(), terser(terserOptions)],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.js', format: 'es', sourcemap: true },
    external: (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/') || id.startsWith('@flattr/sdk'),
    plugins: [nodeResolve({ browser: true }), typescript({ ...tsOptions, compilerOptions: { ...tsOptions.compilerOptions, sourceMap: true } })],
  },
];
