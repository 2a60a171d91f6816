/** This build's version (package.json's; `test/version.test.ts` keeps them equal). */
export const VERSION = '0.1.0';
