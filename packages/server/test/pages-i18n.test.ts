import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formattersFor, languageFromAcceptLanguage, PAGE_LANGUAGES, translator } from '../src/pages/index.js';
import { en } from '../src/pages/i18n/en.js';
import { de } from '../src/pages/i18n/de.js';
import { es } from '../src/pages/i18n/es.js';
import { fr } from '../src/pages/i18n/fr.js';
import { sv } from '../src/pages/i18n/sv.js';
import { WIDGET_LANGUAGES } from '../src/widget/serve-translations.js';

const catalogs = { de, sv, fr, es } as const;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('page strings in the widget\'s languages', () => {
  it('speaks exactly the widget\'s languages', () => {
    assert.deepEqual([...PAGE_LANGUAGES], [...WIDGET_LANGUAGES]);
  });

  for (const [lang, catalog] of Object.entries(catalogs)) {
    it(`${lang}: every key, with the same placeholders, and translated`, () => {
      const keys = Object.keys(en) as Array<keyof typeof en>;
      assert.deepEqual(Object.keys(catalog).sort(), [...keys].sort());
      const wrong = keys.filter((key) => placeholders(catalog[key]).join() !== placeholders(en[key]).join());
      assert.deepEqual(wrong, [], 'placeholders differ');
      // Words that are the same in both languages (Flattr, Demo, Status, Total…) are few.
      const same = keys.filter((key) => catalog[key] === en[key]);
      assert.ok(same.length < keys.length * 0.06, `${same.length} of ${keys.length} strings are still English: ${same.join(', ')}`);
    });
  }

  it('fills placeholders as text, or as markup with t.html (escaping the message)', () => {
    const t = translator('de');
    assert.equal(t('admin.run.title', { month: 'Mai 2026' }), 'Verteilung von Mai 2026');
    assert.equal(t.html('creator.sites.meta', { url: 'x<y' }).value, 'oder setze dieses Tag in den &lt;head&gt; von x&lt;y:');
  });

  it('formats money, months and dates in the language, exactly', () => {
    assert.equal(formattersFor('de', 'EUR').money(123456), '1.234,56\u00a0€');
    assert.equal(formattersFor('en', 'EUR').money(-5), '-€0.05');
    assert.equal(formattersFor('fr', 'EUR').period('2026-02'), 'février 2026');
    assert.equal(formattersFor('en', 'JPY').money(1234), '¥1,234');
    assert.equal(formattersFor('en', 'EUR').money(9007199254740991), '€90,071,992,547,409.91', 'no binary float on the way');
    assert.equal(formattersFor('sv', 'EUR').parseMoney('12,5'), 1250);
  });

  it('takes the first language of Accept-Language the pages speak, by weight', () => {
    assert.equal(languageFromAcceptLanguage('de-AT,de;q=0.9,en;q=0.8'), 'de');
    assert.equal(languageFromAcceptLanguage('ja,fr;q=0.5,es;q=0.7'), 'es');
    assert.equal(languageFromAcceptLanguage('sv;q=0,en'), 'en');
    assert.equal(languageFromAcceptLanguage('zh-CN'), undefined);
    assert.equal(languageFromAcceptLanguage(undefined), undefined);
  });
});
