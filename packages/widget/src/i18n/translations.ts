/**
 * All five languages, registered up front: the ES module entry (`@flattr/widget`) imports this, so apps that
 * bundle the widget never fetch strings. The script tag leaves it out and fetches what a page needs.
 */
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { addStrings, type Language } from './index.js';
import { sv } from './sv.js';

export const translations = { en, de, sv, fr, es } as const;

for (const [language, strings] of Object.entries(translations)) addStrings(language as Language, strings);
