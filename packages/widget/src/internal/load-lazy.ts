/**
 * What not every page needs at load (`src/lazy.ts`): the click flow, fetched on the first click, and the loader's
 * extras. One import for both: in the script-tag build the rollup config rewrites it to the absolute URL of the
 * separate file `flattr-lazy.js` beside `flattr.js`; bundlers split it as a chunk of its own.
 */
export const loadLazy = (): Promise<typeof import('../lazy.js')> => import('../lazy.js');
