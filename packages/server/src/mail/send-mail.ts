import { createHash } from 'node:crypto';
import type { Collection, ObjectId } from 'mongodb';
import { toObjectId } from '../accounts/users.js';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { isDuplicateKeyError } from '../errors/index.js';
import { isMailLanguage, type MailLanguage } from './i18n/index.js';
import { renderMail, type MailContent } from './templates.js';
import { createTransport, type MailTransport } from './transport.js';

export const EMAILS = 'emails';

/**
 * One email the service decided to send, `_id` = its key: what it is about
 * and for whom (`receipt:2026-11:<userId>`, `payout.paid:<payoutId>`,
 * `verify:<tokenHash>`). The unique `_id` is why a person never gets one
 * email twice, however often a step is run again.
 */
export interface EmailDoc {
  _id: string;
  kind: MailContent['kind'];
  userId: string | null;
  to: string;
  subject: string;
  /** `sending` until the SMTP server accepted it; `failed` (refused: tried again by the next run); `sent`. */
  state: 'sending' | 'sent' | 'failed';
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  error: string | null;
}

export type SendOutcome = 'sent' | 'already' | 'failed' | 'off';

const emails = (ctx: Pick<ServerContext, 'db'>): Collection<EmailDoc> => ctx.db.collection<EmailDoc>(EMAILS);

const transports = new WeakMap<object, MailTransport>();
const inFlight = new WeakMap<object, Set<Promise<unknown>>>();

/** This server's way of sending mail (created once per context). */
export function mailTransport(ctx: Pick<ServerContext, 'config' | 'log'>): MailTransport {
  let transport = transports.get(ctx);
  if (!transport) transports.set(ctx, (transport = createTransport(ctx)));
  return transport;
}

/**
 * Sends one email at most once per `key`. The key is inserted first
 * (`state: 'sending'`): a second call with the key finds it and sends
 * nothing. If the SMTP server refuses, the doc is marked `failed` and a later
 * call with the same key tries again (one claimer wins). A doc left
 * `sending` by a process that died mid-send is NOT retried: the server may
 * have accepted the message, and a missing receipt is better than a second
 * one (`flattr-server mail status` lists them).
 *
 * Nothing is sent (and nothing recorded) when no transport is configured.
 */
export async function sendMail(
  ctx: ServerContext,
  input: { key: string; to: string; userId: string | null; language: MailLanguage; content: MailContent },
): Promise<SendOutcome> {
  const transport = mailTransport(ctx);
  if (transport.kind === 'none') return 'off';
  const rendered = renderMail(input.content, input.language, ctx.config.currency);
  const now = ctx.clock.now();
  const doc: EmailDoc = {
    _id: input.key, kind: input.content.kind, userId: input.userId, to: input.to, subject: rendered.subject,
    state: 'sending', attempts: 1, createdAt: now, sentAt: null, error: null,
  };
  try {
    await emails(ctx).insertOne(doc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const retry = await emails(ctx).findOneAndUpdate(
      { _id: input.key, state: 'failed' },
      { $set: { state: 'sending', error: null }, $inc: { attempts: 1 } },
      { returnDocument: 'before' },
    );
    if (!retry) return 'already';
  }
  const host = new URL(ctx.config.publicUrl).hostname;
  const messageId = `<${createHash('sha256').update(input.key).digest('hex').slice(0, 32)}@${host}>`;
  try {
    await transport.send({ to: input.to, subject: rendered.subject, text: rendered.text, html: rendered.html, messageId });
  } catch (error) {
    await emails(ctx).updateOne({ _id: input.key, state: 'sending' }, { $set: { state: 'failed', error: String((error as Error).message ?? error).slice(0, 500) } });
    ctx.log.warn(`mail: ${input.key} to ${input.to} failed: ${(error as Error).message}`);
    return 'failed';
  }
  await emails(ctx).updateOne({ _id: input.key }, { $set: { state: 'sent', sentAt: ctx.clock.now() } });
  return 'sent';
}

/**
 * Sends in the background (a signup or a webhook must not wait for an SMTP
 * server); the module's `close` waits for what is still on its way.
 */
export function sendMailLater(ctx: ServerContext, input: Parameters<typeof sendMail>[1]): void {
  trackBackground(ctx, sendMail(ctx, input).catch((error) => ctx.log.error(`mail: ${input.key} could not be sent`, error)));
}

/** Keeps a background mail task so that `flushMail` (shutdown, tests) can wait for it. */
export function trackBackground(ctx: ServerContext, task: Promise<unknown>): void {
  let pending = inFlight.get(ctx);
  if (!pending) inFlight.set(ctx, (pending = new Set()));
  pending.add(task);
  void task.finally(() => pending!.delete(task));
}

/** Waits for background sends (graceful shutdown, tests). */
export async function flushMail(ctx: ServerContext): Promise<void> {
  const pending = inFlight.get(ctx);
  while (pending && pending.size > 0) await Promise.all([...pending]);
}

export function closeMail(ctx: ServerContext): void {
  transports.get(ctx)?.close();
}

/** A user's address, name and language for an email (English when none was chosen). */
export async function recipientOf(ctx: ServerContext, userId: string | ObjectId): Promise<{ to: string; name: string; language: MailLanguage } | null> {
  const _id = toObjectId(userId);
  const user = _id && await collections.users(ctx.db).findOne({ _id }, { projection: { email: 1, name: 1, language: 1 } });
  if (!user) return null;
  return { to: user.email, name: user.name, language: isMailLanguage(user.language) ? user.language : 'en' };
}

export async function ensureEmailIndexes(ctx: ServerContext): Promise<void> {
  await emails(ctx).createIndex({ state: 1, createdAt: 1 });
}
