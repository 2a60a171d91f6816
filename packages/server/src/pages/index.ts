export { html, raw, escapeHtml, SafeHtml } from './html.js';
export { renderPage, type PageOptions } from './layout.js';
export { sendPage, pageCsp, type PageSecurity } from './send-page.js';
export { PAGES_CSS_PATH } from './styles.js';
export { pagesModule } from './module.js';
