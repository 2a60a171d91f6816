import nodemailer, { type Transporter } from 'nodemailer';
import type { ServerContext } from '../context.js';
import { DevOutbox } from './dev-outbox.js';

/** One message ready to leave: who, what, and a stable Message-ID derived from its key. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'dev-outbox' | 'none';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * The way mail leaves this server, from the configuration: an SMTP server
 * (nodemailer, any server; `smtps://` for TLS from the start, `smtp://`
 * upgrades with STARTTLS when the server offers it), the development outbox
 * (kept in memory, logged with a link to /dev/mail), or nothing at all.
 */
export function createTransport(ctx: Pick<ServerContext, 'config' | 'log'>): MailTransport {
  const { mail } = ctx.config;
  if (mail.transport === 'smtp') {
    const transporter: Transporter = nodemailer.createTransport(mail.smtpUrl!, { from: mail.from });
    return {
      kind: 'smtp',
      async send(message) {
        await transporter.sendMail({ from: mail.from, ...message });
      },
      close: () => transporter.close(),
    };
  }
  if (mail.transport === 'dev-outbox') {
    const outbox = new DevOutbox();
    return {
      kind: 'dev-outbox',
      async send(message) {
        const id = outbox.add({ ...message, from: mail.from });
        ctx.log.info(`[mail] to ${message.to}: ${message.subject} — ${ctx.config.publicUrl}/dev/mail/${id}`);
      },
      close: () => {},
      outbox,
    } as MailTransport & { outbox: DevOutbox };
  }
  return { kind: 'none', send: async () => {}, close: () => {} };
}
