import type { Response } from 'express';
import { z } from 'zod';
import type { ServerContext } from '../../context.js';
import { AppError, ForbiddenError } from '../../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../../http/route.js';
import { storedText } from '../../http/stored-text.js';
import { getUser } from '../../accounts/users.js';
import { isFirstPartyJwt } from '../authenticate.js';
import { verifyCsrf, csrfToken } from '../csrf.js';
import { requireSession } from '../sessions.js';
import { issueTokens, refreshTokens, type TokensJson } from '../tokens.js';
import { authorizeParamsOf, redirectToClient, showConsent, validateAuthorizeRequest } from './authorize.js';
import { findClient, registerClient } from './clients.js';
import { createAuthorizationCode, redeemAuthorizationCode, revokeIfCodeReplayed } from './codes.js';
import { OAuthError, TOKEN_RESPONSE_HEADERS } from './token-errors.js';

const text = z.string().max(2000).optional();
const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string() });
const authorizeFields = {
  response_type: text, client_id: text, redirect_uri: text, code_challenge: text,
  code_challenge_method: text, state: text, scope: text,
};

/** OAuth 2.0 authorization code + PKCE (S256) for third-party apps, and their registration. */
export function oauthRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/oauth/clients',
      summary: 'Register a third-party app (public client: PKCE, no secret)',
      tags: ['oauth'],
      auth: { scope: 'read' },
      body: z.object({ name: storedText('name', 100, { min: 1 }), redirectUris: z.array(storedText('a redirect URI', 2000)).min(1).max(10) }),
      responses: {
        201: { description: 'The client', schema: z.object({ clientId: z.string(), name: z.string(), redirectUris: z.array(z.string()) }) },
        403: { description: '`credential_not_allowed`: needs a login access token' },
      },
      handler: async ({ auth, body }) => {
        if (!isFirstPartyJwt(auth!)) throw new ForbiddenError('Apps can only be registered with a login access token', 'credential_not_allowed');
        const client = await registerClient(ctx, { ...body, ownerId: (await getUser(ctx, auth!.userId))._id });
        return { status: 201, body: { clientId: client._id, name: client.name, redirectUris: client.redirectUris } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/oauth/authorize',
      summary: 'Authorization request: the consent page (logs the reader in first)',
      tags: ['oauth'],
      query: z.object(authorizeFields),
      responses: {
        200: { description: 'Consent page', contentType: 'text/html' },
        303: { description: 'To the login page, or back to the app with `error`' },
        400: { description: 'Unknown client or unregistered redirect_uri (shown, not redirected)', contentType: 'text/html' },
      },
      handler: async ({ req, res, query }) => {
        const request = await validateAuthorizeRequest(ctx, authorizeParamsOf(query), res);
        if (!request) return;
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        showConsent(res, request, { userName: session.user.name, csrf: await csrfToken(ctx, req, res) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/oauth/authorize',
      summary: 'The reader\'s answer on the consent page (form post with the CSRF token)',
      tags: ['oauth'],
      body: z.object({ ...authorizeFields, decision: z.enum(['approve', 'deny']).optional(), _csrf: text }),
      responses: {
        303: { description: 'Back to the app: `code` and `state`, or `error=access_denied`' },
        400: { description: 'Unknown client or unregistered redirect_uri (shown, not redirected)', contentType: 'text/html' },
        403: { description: '`csrf_failed`' },
      },
      handler: async ({ req, res, body }) => {
        await verifyCsrf(ctx, req);
        const session = await requireSession(ctx, req, res);
        if (!session) return;
        const request = await validateAuthorizeRequest(ctx, authorizeParamsOf(body), res);
        if (!request) return;
        if (body.decision !== 'approve') {
          return void redirectToClient(ctx, res, request.redirectUri, {
            error: 'access_denied', error_description: 'The user denied the request', state: request.state,
          });
        }
        const code = await createAuthorizationCode(ctx, {
          clientId: request.client._id, userId: session.user._id, redirectUri: request.redirectUri,
          codeChallenge: request.codeChallenge, scopes: request.scopes,
        });
        redirectToClient(ctx, res, request.redirectUri, { code, state: request.state });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/oauth/token',
      summary: 'Token endpoint: authorization_code (with code_verifier) or refresh_token; form-urlencoded or JSON',
      tags: ['oauth'],
      body: z.object({
        grant_type: text, code: text, redirect_uri: text, client_id: text, code_verifier: text, refresh_token: text,
      }),
      responses: {
        200: { description: 'RFC 6749 token response, plus the API\'s Tokens fields', schema: z.object({
          access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number(), refresh_token: z.string(), scope: z.string(),
        }).loose() },
        400: { description: 'RFC 6749 §5.2 error `{error, error_description}` (`invalid_request`, also for malformed bodies; `invalid_grant`, `unsupported_grant_type`), never problem+json', schema: oauthErrorSchema, contentType: 'application/json' },
        401: { description: '`{error: "invalid_client", error_description}`', schema: oauthErrorSchema, contentType: 'application/json' },
        429: { description: '`{error: "slow_down", error_description}` with `Retry-After` and RateLimit headers (docs/security.md, "Rate limits")', schema: oauthErrorSchema, contentType: 'application/json' },
      },
      handler: async ({ res, body }) => {
        try {
          const client = await findClient(ctx, body.client_id);
          if (!client) throw new OAuthError(401, 'invalid_client', 'Unknown or missing client_id');
          if (body.grant_type === 'authorization_code') {
            if (!body.code) throw new OAuthError(400, 'invalid_request', 'code is required');
            const grant = await redeemAuthorizationCode(ctx, {
              code: body.code, clientId: client._id, redirectUri: body.redirect_uri, codeVerifier: body.code_verifier,
            });
            const tokens = await issueTokens(ctx, await getUser(ctx, grant.userId), { scopes: grant.scopes, clientId: client._id, familyId: grant.familyId });
            await revokeIfCodeReplayed(ctx, grant);
            return tokenResponse(res, tokens);
          }
          if (body.grant_type === 'refresh_token') {
            if (!body.refresh_token) throw new OAuthError(400, 'invalid_request', 'refresh_token is required');
            return tokenResponse(res, await refreshTokens(ctx, body.refresh_token, { clientId: client._id }));
          }
          throw new OAuthError(400, body.grant_type ? 'unsupported_grant_type' : 'invalid_request',
            body.grant_type ? `grant_type "${body.grant_type}" is not supported` : 'grant_type is required');
        } catch (error) {
          // Refresh failures (unknown, reused, other client) are invalid_grant in OAuth terms.
          if (error instanceof AppError && error.status === 401) throw new OAuthError(400, 'invalid_grant', error.message);
          // Everything else is answered as RFC 6749 JSON by oauthTokenErrorHandler (mounted on this path).
          throw error;
        }
      },
    }),
  ];
}

function tokenResponse(res: Response, tokens: TokensJson & { scopes: string[] }): void {
  const { scopes, ...apiTokens } = tokens;
  res.status(200).set(TOKEN_RESPONSE_HEADERS).json({
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    scope: scopes.join(' '),
    ...apiTokens,
  });
}
