import type { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import type { UserDoc } from '../db/index.js';
import type { Scope } from '../http/auth-context.js';
import { getUser, scopesForRoles, toUserJson, type UserJson } from '../accounts/users.js';
import { signAccessToken } from './access-tokens.js';
import { rotateRefreshToken, startRefreshFamily } from './refresh-tokens.js';
import { signingKeys } from './state.js';

/** The `Tokens` object of the API (docs/api.md). */
export interface TokensJson {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  user: UserJson;
}

/**
 * A new session of tokens for a user: a JWT access token and the first
 * refresh token of a new family. Without `scopes`, the token grants every
 * scope the user's roles allow (a first-party login).
 */
export async function issueTokens(
  ctx: ServerContext,
  user: UserDoc,
  options: { scopes?: Scope[]; clientId?: string; familyId?: ObjectId } = {},
): Promise<TokensJson & { scopes: Scope[] }> {
  const allowed = scopesForRoles(user.roles);
  const scopes = options.scopes ? options.scopes.filter((s) => allowed.includes(s)) : allowed;
  const { family, refreshToken } = await startRefreshFamily(ctx, {
    userId: user._id, scopes, clientId: options.clientId, familyId: options.familyId,
  });
  const access = await signAccessToken(ctx, signingKeys(ctx), { userId: user._id.toHexString(), scopes, clientId: family.clientId });
  return { ...tokensJson(ctx, user, access, refreshToken), scopes };
}

/**
 * Exchanges a refresh token for new tokens (rotation). A first-party family
 * follows the user's current roles; an OAuth family keeps the scopes granted,
 * less any the user lost since.
 */
export async function refreshTokens(
  ctx: ServerContext,
  refreshToken: string,
  options: { clientId?: string } = {},
): Promise<TokensJson & { scopes: Scope[]; clientId?: string }> {
  const { family, refreshToken: next } = await rotateRefreshToken(ctx, refreshToken, options);
  const user = await getUser(ctx, family.userId);
  const allowed = scopesForRoles(user.roles);
  const scopes = family.clientId ? family.scopes.filter((s) => allowed.includes(s)) : allowed;
  const access = await signAccessToken(ctx, signingKeys(ctx), { userId: user._id.toHexString(), scopes, clientId: family.clientId });
  return { ...tokensJson(ctx, user, access, next), scopes, clientId: family.clientId };
}

function tokensJson(ctx: ServerContext, user: UserDoc, access: { token: string; expiresIn: number }, refreshToken: string): TokensJson {
  return { accessToken: access.token, tokenType: 'Bearer', expiresIn: access.expiresIn, refreshToken, user: toUserJson(ctx, user) };
}
