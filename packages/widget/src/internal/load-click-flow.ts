/**
 * The click flow, fetched on the first click. In the script-tag build the
 * rollup config rewrites this import to the separate file `flattr-click.js`
 * beside `flattr.js` (same origin and directory as the loader).
 */
export const loadClickFlow = (): Promise<typeof import('./click-flow.js')> => import('./click-flow.js');
