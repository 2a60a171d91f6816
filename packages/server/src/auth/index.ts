export { authModule } from './module.js';
export { hashPassword, verifyPassword } from './passwords.js';
export { loginWithPassword } from './login.js';
export { issueTokens, refreshTokens, type TokensJson } from './tokens.js';
export { oauthClientOf, isFirstPartyJwt, carriesSiteToken, siteTokenNotAllowed } from './authenticate.js';
export { sessionFromRequest, requireSession, startSession, endSession, SESSION_COOKIE, type Session } from './sessions.js';
export { csrfToken, verifyCsrf, CSRF_FIELD } from './csrf.js';
export { safeNextPath } from './next-path.js';
export { requireVerifiedEmail, sendVerificationEmail, isEmailVerified, verifyEmail } from './email-verification.js';
export { requestPasswordReset, resetPassword } from './password-reset.js';
export { safeEqual, hashSecret, randomSecret } from './secrets.js';
export { issueSiteToken, listSiteTokens, revokeSiteToken, setSiteTokenCap, monthlyCapFor, normalizeOrigin, type SiteTokenJson } from './site-tokens.js';
export { takeSiteClick, SiteCapReachedError, DEFAULT_SITE_MONTHLY_CAP, MAX_SITE_MONTHLY_CAP } from './site-token-cap.js';
export { createPersonalToken, listPersonalTokens, revokePersonalToken, type PatJson } from './personal-tokens.js';
import type { ServerContext } from '../context.js';
import { signingKeys } from './state.js';

export { signingKeys };
export { purgeExpiredCredentials } from './purge.js';
export { SIGNING_KEYS, type SigningKeyDoc } from './signing-keys.js';

/**
 * Starts signing access tokens with a fresh key now (tests; an operator who
 * suspects a key leak). Tokens signed by older keys keep verifying until they expire.
 * @returns the new key's `kid`.
 */
export function rotateSigningKey(ctx: ServerContext): Promise<string> {
  return signingKeys(ctx).rotate();
}
