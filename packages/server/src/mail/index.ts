export { mailModule } from './module.js';
export { sendMail, sendMailLater, trackBackground, flushMail, recipientOf, mailTransport, EMAILS, type EmailDoc, type SendOutcome } from './send-mail.js';
export { renderMail, formatMoney, formatPeriod, fill, type MailContent, type RenderedMail } from './templates.js';
export { MAIL_LANGUAGES, MAIL_STRINGS, isMailLanguage, languageFromHeader, type MailLanguage } from './i18n/index.js';
export type { DevOutbox, OutboxMessage } from './dev-outbox.js';
