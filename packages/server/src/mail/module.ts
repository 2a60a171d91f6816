import type { ServerModule } from '../context.js';
import { devMailRoutes } from './dev-page.js';
import { closeMail, ensureEmailIndexes, flushMail, mailTransport } from './send-mail.js';

/** Email: the transport (SMTP, development outbox, or none), the once-per-key log of what was sent, the dev outbox page. */
export const mailModule: ServerModule = {
  name: 'mail',
  ensureIndexes: ensureEmailIndexes,
  routes: devMailRoutes,
  start: (ctx) => {
    const kind = mailTransport(ctx).kind;
    if (kind === 'none') ctx.log.info('mail: off (no SMTP_URL): nothing is sent');
    if (kind === 'dev-outbox') ctx.log.info(`mail: development outbox, nothing is sent; messages at ${ctx.config.publicUrl}/dev/mail`);
  },
  close: async (ctx) => {
    await flushMail(ctx);
    closeMail(ctx);
  },
};
