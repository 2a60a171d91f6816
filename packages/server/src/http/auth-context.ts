/** Who is calling, as established by the auth module (JWT, personal access token or site token). */
export interface AuthContext {
  userId: string;
  roles: Role[];
  /** Scopes this credential grants. A JWT from login grants all of a user's scopes. */
  scopes: Scope[];
  via: 'jwt' | 'pat' | 'site' | 'session';
  /** For site tokens: what the reader granted the site (docs/auth.md, "Site tokens"). */
  site?: SiteGrant;
  /** The credential's id (PAT id, site token id, session id, token jti) for revocation and audit. */
  credentialId?: string;
}

export type Role = 'reader' | 'creator' | 'admin';
export type Scope = 'read' | 'flattr' | 'things' | 'admin';
export const ALL_SCOPES: readonly Scope[] = ['read', 'flattr', 'things', 'admin'];

/** A reader's "one click on this site": which origin, and how many new flattrs a month it may make. */
export interface SiteGrant {
  origin: string;
  monthlyCap: number;
}

/** What a route demands: a logged-in caller, optionally with a scope or role. `optional` authenticates if a credential is sent. */
export interface AuthRequirement {
  scope?: Scope;
  role?: Role;
  optional?: boolean;
  /**
   * The route takes site tokens (`fsite_…`). Every other route, public ones
   * included, refuses them with 403 `site_token_not_allowed` before its
   * handler runs (http/site-token-gate.ts), so a new route cannot take one
   * by accident. Only `POST /v1/flattrs` sets this.
   */
  siteTokens?: true;
}
