/**
 * The ES module entry for bundlers (Lit stays external). Importing it defines `<flattr-button>`.
 * Pages without a bundler use the script tag (`dist/flattr.js`) instead.
 */
export { default as FlattrButton } from './components/flattr-button/flattr-button.js';
export type { FlattrButtonSize, FlattrButtonState } from './components/flattr-button/flattr-button.js';
export type * from './events/index.js';
export { setDefaultApi } from './internal/config.js';
export { translations } from './i18n/translations.js';
export { LANGUAGES, type Language, type Strings } from './i18n/index.js';
export { installCommandQueue, runCommand, upgradeLegacyButtons, type Command, type RenderOptions } from './loader/index.js';
