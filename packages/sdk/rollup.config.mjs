// ESM + CJS for the entries (index, lite, node), and a minified IIFE (`FlattrSDK`) for <script> use.
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const ts = () => typescript({
  tsconfig: './tsconfig.build.json',
  // Declarations come from `tsc -p tsconfig.build.json` after rollup.
  declaration: false,
  emitDeclarationOnly: false,
  noEmit: false,
});

export default [
  {
    input: { index: 'src/index.ts', lite: 'src/lite.ts', 'lite-core': 'src/lite-core.ts', node: 'src/node.ts' },
    external: [/^node:/],
    plugins: [resolve(), ts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
    ],
  },
  {
    input: 'src/index.ts',
    plugins: [resolve(), ts()],
    output: { file: 'dist/flattr-sdk.iife.js', format: 'iife', name: 'FlattrSDK', plugins: [terser({ format: { comments: false } })] },
  },
];
