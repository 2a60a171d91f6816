import type { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import type { UserDoc } from '../db/index.js';
import { ForbiddenError, UnprocessableError } from '../errors/index.js';
import { toObjectId, users } from '../accounts/users.js';
import { isMailLanguage, sendMail, trackBackground, type SendOutcome } from '../mail/index.js';
import { createEmailToken, lastEmailTokenAt, spendEmailToken } from './email-tokens.js';

export const VERIFY_TTL_HOURS = 48;
/** At most one verification email per user this often. */
export const VERIFY_RESEND_MS = 60_000;

export function isEmailVerified(user: Pick<UserDoc, 'emailVerifiedAt'>): boolean {
  return user.emailVerifiedAt instanceof Date;
}

/**
 * Sends the link that proves the user's address (at signup, and again on
 * request from /account). Answers 429-like `verification_throttled` when one
 * was sent less than a minute ago; `off` when no mail can be sent.
 */
export async function sendVerificationEmail(ctx: ServerContext, user: UserDoc): Promise<SendOutcome> {
  if (ctx.config.mail.transport === 'none') return 'off';
  const last = await lastEmailTokenAt(ctx, user._id, 'verify');
  if (last && ctx.clock.now().getTime() - last.getTime() < VERIFY_RESEND_MS) {
    throw new UnprocessableError('A verification email was sent less than a minute ago; please wait for it', 'verification_throttled');
  }
  const token = await createEmailToken(ctx, { kind: 'verify', userId: user._id, email: user.email, ttlMs: VERIFY_TTL_HOURS * 3_600_000 });
  return sendMail(ctx, {
    key: `verify:${token.id}`,
    to: user.email,
    userId: user._id.toHexString(),
    language: isMailLanguage(user.language) ? user.language : 'en',
    content: {
      kind: 'verify', name: user.name, email: user.email, hours: VERIFY_TTL_HOURS,
      link: `${ctx.config.publicUrl}/account/verify?${new URLSearchParams({ token: token.secret })}`,
    },
  });
}

/**
 * Spends a verification link: the user's address is verified if it is still
 * the address the link was sent to. Returns the user, or null for a link that
 * is unknown, used or expired.
 */
export async function verifyEmail(ctx: ServerContext, secret: string): Promise<UserDoc | null> {
  const token = await spendEmailToken(ctx, secret, 'verify');
  if (!token) return null;
  const now = ctx.clock.now();
  await users(ctx).updateOne({ _id: token.userId, email: token.email, emailVerifiedAt: { $in: [null] } }, { $set: { emailVerifiedAt: now } });
  return users(ctx).findOne({ _id: token.userId });
}

/**
 * Money leaves only to verified people: payouts and payout accounts need a
 * verified address where this deployment can send mail (EMAIL_VERIFICATION).
 */
export async function requireVerifiedEmail(ctx: ServerContext, userId: string | ObjectId): Promise<void> {
  if (!ctx.config.emailVerificationRequired) return;
  const _id = toObjectId(userId);
  const user = _id && await users(ctx).findOne({ _id }, { projection: { emailVerifiedAt: 1 } });
  if (!user || !isEmailVerified(user)) {
    throw new ForbiddenError('Confirm your email address first (the link in the email we sent; /account sends it again)', 'email_unverified');
  }
}

/** At signup: the verification email goes out in the background (an SMTP server must not slow the signup down or fail it). */
export function sendVerificationLater(ctx: ServerContext, user: UserDoc): void {
  if (ctx.config.mail.transport === 'none') return;
  trackBackground(ctx, sendVerificationEmail(ctx, user).catch((error) => ctx.log.error(`mail: verification email to ${user.email} failed`, error)));
}
