import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { findUserByEmail, users } from '../accounts/users.js';
import { isMailLanguage, sendMail } from '../mail/index.js';
import { createEmailToken, lastEmailTokenAt, spendAllEmailTokens, spendEmailToken } from './email-tokens.js';
import { hashPassword } from './passwords.js';
import { REFRESH_FAMILIES } from './refresh-tokens.js';
import { SESSIONS } from './sessions.js';

export const RESET_TTL_MINUTES = 60;
/** At most one reset email per account this often, whoever asks. */
export const RESET_RESEND_MS = 60_000;

/**
 * "Forgot password": mails a single-use link to the account with this email.
 * Says nothing about whether the account exists (the caller answers the same
 * either way), and sends at most one link a minute per account. A new link
 * makes older ones stop working.
 */
export async function requestPasswordReset(ctx: ServerContext, email: string): Promise<void> {
  if (ctx.config.mail.transport === 'none') return;
  const user = await findUserByEmail(ctx, email);
  if (!user) return;
  const last = await lastEmailTokenAt(ctx, user._id, 'reset');
  if (last && ctx.clock.now().getTime() - last.getTime() < RESET_RESEND_MS) return;
  await spendAllEmailTokens(ctx, user._id, 'reset');
  const token = await createEmailToken(ctx, { kind: 'reset', userId: user._id, email: user.email, ttlMs: RESET_TTL_MINUTES * 60_000 });
  await sendMail(ctx, {
    key: `reset:${token.id}`,
    to: user.email,
    userId: user._id.toHexString(),
    language: isMailLanguage(user.language) ? user.language : 'en',
    content: {
      kind: 'reset', name: user.name, minutes: RESET_TTL_MINUTES,
      link: `${ctx.config.publicUrl}/account/reset?${new URLSearchParams({ token: token.secret })}`,
    },
  });
}

/**
 * Sets a new password with a reset link. The link is spent by one guarded
 * update (a second use, also a simultaneous one, finds it spent); then every
 * session and refresh token of the account stops working, since whoever
 * knew the old password is logged out. Following the link also proves the
 * address, so the account counts as verified.
 * @returns the user's id, or null for a link that is unknown, used or expired.
 */
export async function resetPassword(ctx: ServerContext, secret: string, password: string): Promise<ObjectId | null> {
  const token = await spendEmailToken(ctx, secret, 'reset');
  if (!token) return null;
  const now = ctx.clock.now();
  const passwordHash = await hashPassword(password);
  await users(ctx).updateOne({ _id: token.userId }, { $set: { passwordHash } });
  await users(ctx).updateOne({ _id: token.userId, email: token.email, emailVerifiedAt: { $in: [null] } }, { $set: { emailVerifiedAt: now } });
  await ctx.db.collection(SESSIONS).deleteMany({ userId: token.userId });
  await ctx.db.collection(REFRESH_FAMILIES).updateMany({ userId: token.userId, revokedAt: null }, { $set: { revokedAt: now, revokedReason: 'password_reset' } });
  await spendAllEmailTokens(ctx, token.userId, 'reset');
  return token.userId;
}
