import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { createUser } from '../accounts/users.js';
import { nameSchema } from '../accounts/schemas.js';
import { languageFromHeader } from '../mail/index.js';
import { sendVerificationLater } from './email-verification.js';
import { loginWithPassword } from './login.js';
import { findRefreshFamily, revokeRefreshFamily } from './refresh-tokens.js';
import { emailSchema, passwordSchema, tokensSchema } from './schemas.js';
import { signingKeys } from './state.js';
import { issueTokens, refreshTokens } from './tokens.js';

const noStore = { 'Cache-Control': 'no-store' };

/** Signup, login, refresh, logout and the public keys: the JSON side of authentication. */
export function authApiRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/auth/signup',
      summary: 'Create an account and log in',
      tags: ['auth'],
      body: z.object({ email: emailSchema, password: passwordSchema, name: nameSchema.optional() }),
      responses: {
        201: { description: 'Account created; tokens for it', schema: tokensSchema },
        409: { description: '`email_taken`: an account with this email exists' },
      },
      handler: async ({ body, req }) => {
        const user = await createUser(ctx, { ...body, language: languageFromHeader(req.get('accept-language')) });
        sendVerificationLater(ctx, user);
        const { scopes: _scopes, ...tokens } = await issueTokens(ctx, user);
        return { status: 201, body: tokens, headers: noStore };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/login',
      summary: 'Log in with email and password',
      tags: ['auth'],
      body: z.object({ email: z.string().max(254), password: z.string().max(1024) }),
      responses: {
        200: { description: 'Tokens', schema: tokensSchema },
        401: { description: '`invalid_credentials`: unknown email or wrong password (the same answer for both)' },
        429: { description: '`rate_limited`: too many failed logins (per account+IP with a growing wait, per IP, per account); `Retry-After` says when to try again' },
      },
      handler: async ({ body, req }) => {
        const user = await loginWithPassword(ctx, body.email, body.password, { ip: req.ip });
        const { scopes: _scopes, ...tokens } = await issueTokens(ctx, user);
        return { body: tokens, headers: noStore };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/refresh',
      summary: 'Exchange a refresh token for new tokens (the old one is spent)',
      tags: ['auth'],
      body: z.object({ refreshToken: z.string().min(1).max(200) }),
      responses: {
        200: { description: 'New tokens; the presented refresh token no longer works', schema: tokensSchema },
        401: { description: '`invalid_refresh_token`; `refresh_token_reused` (a spent token: its whole family is revoked)' },
      },
      handler: async ({ body }) => {
        const { scopes: _scopes, clientId: _clientId, ...tokens } = await refreshTokens(ctx, body.refreshToken);
        return { body: tokens, headers: noStore };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/logout',
      summary: 'Revoke a refresh token and its whole family',
      tags: ['auth'],
      body: z.object({ refreshToken: z.string().min(1).max(200) }),
      responses: { 204: { description: 'Revoked (also answered for unknown tokens: logout is idempotent)' } },
      handler: async ({ body }) => {
        const family = await findRefreshFamily(ctx, body.refreshToken);
        if (family) await revokeRefreshFamily(ctx, family._id, 'logout');
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Public keys that verify access tokens',
      tags: ['auth'],
      responses: {
        200: { description: 'JSON Web Key Set (public keys only)', schema: z.object({ keys: z.array(z.object({ kid: z.string(), alg: z.string() }).loose()) }) },
      },
      handler: async () => ({
        body: await signingKeys(ctx).jwks(),
        // Short: verifiers must see a new key soon after a rotation.
        headers: { 'Cache-Control': 'public, max-age=300' },
      }),
    }),
  ];
}
