import type { ServerContext } from '../context.js';
import type { UserDoc } from '../db/index.js';
import { UnauthorizedError } from '../errors/index.js';
import { addRole, findUserByEmail, isAdminEmail } from '../accounts/users.js';
import { throttleLogin } from '../rate-limits/index.js';
import { timingDummyHash, verifyPassword } from './passwords.js';

/**
 * Checks an email and password. Unknown email and wrong password get the same
 * answer and take about as long (a dummy hash is verified), so the login form
 * does not reveal who has an account. Emails listed in ADMIN_EMAILS become
 * admins here too, so an operator can promote an existing account by config.
 */
export async function loginWithPassword(ctx: ServerContext, email: string, password: string, client: { ip?: string } = {}): Promise<UserDoc> {
  // Throttled per account+IP, per IP and per account (429 rate_limited): docs/security.md, "Rate limits".
  return throttleLogin(ctx, { email, ip: client.ip }, async () => {
    const user = await findUserByEmail(ctx, email);
    const ok = await verifyPassword(password, user?.passwordHash ?? await timingDummyHash());
    if (!user || !ok) throw new UnauthorizedError('Wrong email or password', 'invalid_credentials');
    if (isAdminEmail(ctx, user.email) && !user.roles.includes('admin')) return addRole(ctx, user._id, 'admin');
    return user;
  });
}
