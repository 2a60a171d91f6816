/** Who is calling, as established by the auth module (JWT, personal access token or site token). */
export interface AuthContext {
  userId: string;
  roles: Role[];
  /** Scopes this credential grants. A JWT from login grants all of a user's scopes. */
  scopes: Scope[];
  via: 'jwt' | 'pat' | 'site' | 'session';
  /** For site tokens: the origin the token is bound to. */
  siteOrigin?: string;
  /** The credential's id (PAT id, site token id, session id, token jti) for revocation and audit. */
  credentialId?: string;
}

export type Role = 'reader' | 'creator' | 'admin';
export type Scope = 'read' | 'flattr' | 'things' | 'admin';
export const ALL_SCOPES: readonly Scope[] = ['read', 'flattr', 'things', 'admin'];

/** What a route demands: a logged-in caller, optionally with a scope or role. `optional` authenticates if a credential is sent. */
export interface AuthRequirement {
  scope?: Scope;
  role?: Role;
  optional?: boolean;
}
