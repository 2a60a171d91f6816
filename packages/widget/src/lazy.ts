/**
 * The script tag's second file, `dist/flattr-lazy.js`: what not every page needs at load. Fetched on the first
 * click (the click flow), or at load when the page has old markup or queued commands (the loader's extras).
 */
export { finishClick } from './internal/click-flow.js';
export { startExtras } from './loader/extras.js';
export { httpError } from '@flattr/sdk/lite-core';
