// Size benchmark part: the strings the script tag bundles (English), the lookup and the on-demand loader.
import { formatCount, loadStrings, resolveLanguage, stringsFor } from '../../src/i18n/index.js';

Object.assign(globalThis, { i18nParts: [formatCount, loadStrings, resolveLanguage, stringsFor] });
