// Size benchmark part: the strings of every language, with the lookup.
import { formatCount, resolveLanguage, translations } from '../../src/i18n/index.js';

Object.assign(globalThis, { i18nParts: [formatCount, resolveLanguage, translations] });
