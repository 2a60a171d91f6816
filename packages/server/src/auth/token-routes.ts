import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { ForbiddenError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { isFirstPartyJwt } from './authenticate.js';
import { createPersonalToken, listPersonalTokens, revokePersonalToken, toPatJson } from './personal-tokens.js';
import { idParams, patSchema, scopeSchema, siteTokenSchema } from './schemas.js';
import { listSiteTokens, revokeSiteToken, setSiteTokenCap } from './site-tokens.js';
import { MAX_SITE_MONTHLY_CAP } from './site-token-cap.js';

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
      body: z.object({ name: z.string().trim().min(1).max(100), scopes: z.array(scopeSchema).min(1).max(4) }),
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
      summary: 'List your site tokens ("one click on this site"), each with its monthly cap and this month\'s use',
      tags: ['tokens'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'Live site tokens, newest first', schema: z.object({ items: z.array(siteTokenSchema) }) } },
      handler: async ({ auth }) => ({ body: { items: await listSiteTokens(ctx, auth!.userId) }, headers: { 'Cache-Control': 'private, no-store' } }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/me/site-tokens/:id',
      summary: 'Set how many new flattrs a month a site may make for you with one click (needs a first-party login JWT)',
      tags: ['tokens'],
      auth: { scope: 'read' },
      params: idParams,
      body: z.object({
        monthlyCap: z.number().int().min(1).max(MAX_SITE_MONTHLY_CAP)
          .describe(`New flattrs a month, 1 to ${MAX_SITE_MONTHLY_CAP}; below this month's use stops the site's one-click flattrs until next month`),
      }),
      responses: {
        200: { description: 'The site token with its new cap', schema: siteTokenSchema },
        403: { description: '`credential_not_allowed`: only a login access token may change what a site may spend' },
        404: { description: '`token_not_found`' },
      },
      handler: async ({ auth, params, body }) => {
        // Raising a cap lets a site spend more of the reader's month: like minting a credential, not for PATs or apps.
        if (!isFirstPartyJwt(auth!)) {
          throw new ForbiddenError('A site\'s monthly cap can only be changed with a login access token (or on /settings)', 'credential_not_allowed');
        }
        return { body: await setSiteTokenCap(ctx, auth!.userId, params.id, body.monthlyCap) };
      },
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
