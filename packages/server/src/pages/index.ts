export { html, raw, escapeHtml, SafeHtml } from './html.js';
export { renderPage, type PageOptions, type PageFrame } from './layout.js';
export { sendPage, pageCsp, type PageSecurity } from './send-page.js';
export { PAGES_CSS_PATH } from './styles.js';
export { pagesModule, PAGE_SCRIPTS_PATH } from './module.js';
export { openPage, handleForm, type PageRequest, type PageView, type PageAccess, type NavKey } from './page-request.js';
export { formattersFor, type Formatters } from './format.js';
export { money, figure, notice, thingLink, creatorLink, card, barChart, buttonForm, type ChartBar } from './components.js';
export {
  translator, isMessageKey, pageLanguage, languageFromAcceptLanguage, isLang, PAGE_LANGUAGES, LANGUAGE_NAMES, LANG_COOKIE,
  type Lang, type Translate, type MessageKey, type Messages,
} from './i18n/index.js';
