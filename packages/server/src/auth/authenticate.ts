import type { Request } from 'express';
import type { ServerContext } from '../context.js';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';
import type { AuthContext, AuthRequirement } from '../http/auth-context.js';
import { findUser, scopesForRoles } from '../accounts/users.js';
import { verifyAccessToken } from './access-tokens.js';
import { PAT_PREFIX, usePersonalToken } from './personal-tokens.js';
import { SITE_TOKEN_PREFIX, findSiteToken, grantOf, recordSiteTokenUse } from './site-tokens.js';
import { signingKeys } from './state.js';

/** Facts about a credential that AuthContext does not carry (which OAuth client a JWT was issued to). */
const clientOfCredential = new WeakMap<AuthContext, string>();

/** The OAuth client a JWT was issued to; undefined for first-party tokens and other credentials. */
export function oauthClientOf(auth: AuthContext): string | undefined {
  return clientOfCredential.get(auth);
}

/** A JWT from the service's own login (not an OAuth app's token, not a PAT or site token). */
export function isFirstPartyJwt(auth: AuthContext): boolean {
  return auth.via === 'jwt' && !clientOfCredential.has(auth);
}

/**
 * The server's one `authenticate`: reads `Authorization: Bearer <token>` and
 * accepts a JWT access token, a personal access token (`fpat_…`) or a site
 * token (`fsite_…`). Public routes ignore credentials; a route that asks for
 * authentication gets a 401 `invalid_token` with the reason for any bad one.
 * A site token counts only on a route that declares `siteTokens`: anywhere
 * else, public routes included, it is 403 `site_token_not_allowed` without
 * being looked up (http/site-token-gate.ts refuses it before any route).
 * The API never reads the session cookie: cookies would make it CSRF-prone.
 */
export function createAuthenticator(ctx: ServerContext) {
  return async (req: Request, requirement: AuthRequirement | undefined): Promise<AuthContext | undefined> => {
    const header = req.get('authorization');
    if (!header) return undefined;
    const match = /^Bearer +([^\s]+) *$/i.exec(header);
    if (match && match[1]!.startsWith(SITE_TOKEN_PREFIX) && !requirement?.siteTokens) throw siteTokenNotAllowed();
    if (!requirement) return undefined;
    if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"', 'invalid_token');
    const token = match[1]!;
    if (token.startsWith(PAT_PREFIX)) return fromPersonalToken(ctx, token);
    if (token.startsWith(SITE_TOKEN_PREFIX)) return fromSiteToken(ctx, token, req);
    return fromJwt(ctx, token, requirement);
  };
}

/** Whether a request carries a site token (`Authorization: Bearer fsite_…`), valid or not. */
export function carriesSiteToken(req: Request): boolean {
  const match = /^Bearer +([^\s]+) *$/i.exec(req.get('authorization') ?? '');
  return match !== null && match[1]!.startsWith(SITE_TOKEN_PREFIX);
}

export function siteTokenNotAllowed(): ForbiddenError {
  return new ForbiddenError(
    'A site token ("one click on this site") can only record a new flattr (POST /v1/flattrs) of a thing on its own site',
    'site_token_not_allowed',
  );
}

/**
 * A route that asks only for the `flattr` scope (a click) needs no more from
 * the user than the access token proves: users are never deleted, every user
 * has the `reader` role, and every role grants `flattr` (scopesForRoles). So
 * such a JWT is not followed by a read of the user, and the click costs its
 * caller no database round trip (docs/things.md, "What one click costs"). The
 * context then names the roles and scopes every user has, never more. Every
 * other route reads the user (a demoted admin loses `admin` at once).
 */
function needsUserRead(requirement: AuthRequirement): boolean {
  return requirement.scope !== 'flattr' || requirement.role !== undefined;
}

async function fromJwt(ctx: ServerContext, token: string, requirement: AuthRequirement): Promise<AuthContext> {
  const claims = await verifyAccessToken(ctx, signingKeys(ctx), token);
  if (!needsUserRead(requirement)) {
    const grantedToAll = scopesForRoles(['reader']);
    const auth: AuthContext = {
      userId: claims.userId, roles: ['reader'], scopes: claims.scopes.filter((s) => grantedToAll.includes(s)), via: 'jwt', credentialId: claims.jti,
    };
    if (claims.clientId) clientOfCredential.set(auth, claims.clientId);
    return auth;
  }
  const user = await findUser(ctx, claims.userId);
  if (!user) throw new UnauthorizedError('The token\'s user does not exist', 'invalid_token');
  // Roles are read fresh: a demoted admin loses admin at once, not when the token expires.
  const allowed = scopesForRoles(user.roles);
  const auth: AuthContext = {
    userId: claims.userId,
    roles: user.roles,
    scopes: claims.scopes.filter((s) => allowed.includes(s)),
    via: 'jwt',
    credentialId: claims.jti,
  };
  if (claims.clientId) clientOfCredential.set(auth, claims.clientId);
  return auth;
}

async function fromPersonalToken(ctx: ServerContext, token: string): Promise<AuthContext> {
  const pat = await usePersonalToken(ctx, token);
  if (!pat) throw new UnauthorizedError('Unknown or revoked personal access token', 'invalid_token');
  const user = await findUser(ctx, pat.userId);
  if (!user) throw new UnauthorizedError('The token\'s user does not exist', 'invalid_token');
  const allowed = scopesForRoles(user.roles);
  return {
    userId: user._id.toHexString(),
    roles: user.roles,
    scopes: pat.scopes.filter((s) => allowed.includes(s)),
    via: 'pat',
    credentialId: pat._id.toHexString(),
  };
}

async function fromSiteToken(ctx: ServerContext, token: string, req: Request): Promise<AuthContext> {
  const site = await findSiteToken(ctx, token);
  if (!site) throw new UnauthorizedError('Unknown or revoked site token', 'invalid_token');
  const origin = req.get('origin');
  if (!origin || origin !== site.origin) {
    throw new ForbiddenError(
      origin ? `This site token is bound to ${site.origin}, not ${origin}` : `This site token is bound to ${site.origin}; the request has no Origin header`,
      'origin_mismatch',
    );
  }
  const user = await findUser(ctx, site.userId);
  if (!user) throw new UnauthorizedError('The token\'s user does not exist', 'invalid_token');
  await recordSiteTokenUse(ctx, site);
  return {
    userId: user._id.toHexString(),
    roles: user.roles,
    scopes: ['flattr'],
    via: 'site',
    site: grantOf(site),
    credentialId: site._id.toHexString(),
  };
}
