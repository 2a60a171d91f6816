import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { ForbiddenError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { storedText } from '../http/stored-text.js';
import { isFirstPartyJwt } from './authenticate.js';
import { createPersonalToken, listPersonalTokens, revokePersonalToken, toPatJson } from './personal-tokens.js';
import { idParams, patSchema, scopeSchema, siteTokenSchema } from './schemas.js';
import { listSiteTokens, revokeSiteToken, toSiteTokenJson } from './site-tokens.js';

/** The reader's own credentials: personal access tokens and site tokens. */
export function tokenRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/tokens',
      summary: 'List your personal access tokens (never their secrets)',
      tags: ['tokens'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'Live tokens, newest first', schema: z.object({ items: z.array(patSchema) }) } },
      handler: async ({ auth }) => ({ body: { items: (await listPersonalTokens(ctx, auth!.userId)).map((d) => toPatJson(d)) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/tokens',
      summary: 'Create a personal access token (needs a first-party login JWT); the secret is shown only in this answer',
      tags: ['tokens'],
      auth: { scope: 'read' },
      body: z.object({ name: storedText('name', 100, { min: 1 }), scopes: z.array(scopeSchema).min(1).max(4) }),
      responses: {
        201: { description: 'The token, with `token` (store it now)', schema: patSchema },
        403: { description: '`credential_not_allowed` (not a login JWT); `insufficient_scope` / `insufficient_role` (a scope you may not grant, e.g. admin)' },
      },
      handler: async ({ auth, body }) => {
        // A leaked PAT, site token or third-party app token must not be able to mint more credentials.
        if (!isFirstPartyJwt(auth!)) {
          throw new ForbiddenError('Personal access tokens can only be created with a login access token', 'credential_not_allowed');
        }
        const { doc, token } = await createPersonalToken(ctx, {
          userId: auth!.userId, roles: auth!.roles, grantable: auth!.scopes, name: body.name, scopes: body.scopes,
        });
        return { status: 201, body: toPatJson(doc, token), headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/tokens/:id',
      summary: 'Revoke a personal access token',
      tags: ['tokens'],
      auth: { scope: 'read' },
      params: idParams,
      responses: { 204: { description: 'Revoked: it answers 401 from now on' }, 404: { description: '`token_not_found`' } },
      handler: async ({ auth, params }) => {
        await revokePersonalToken(ctx, auth!.userId, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/site-tokens',
      summary: 'List your site tokens ("one click on this site")',
      tags: ['tokens'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'Live site tokens, newest first', schema: z.object({ items: z.array(siteTokenSchema) }) } },
      handler: async ({ auth }) => ({ body: { items: (await listSiteTokens(ctx, auth!.userId)).map(toSiteTokenJson) } }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/site-tokens/:id',
      summary: 'Revoke a site token',
      tags: ['tokens'],
      auth: { scope: 'read' },
      params: idParams,
      responses: { 204: { description: 'Revoked' }, 404: { description: '`token_not_found`' } },
      handler: async ({ auth, params }) => {
        await revokeSiteToken(ctx, auth!.userId, params.id);
        return { status: 204 };
      },
    }),
  ];
}
