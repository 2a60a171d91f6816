import type { Scope } from '../../http/auth-context.js';

/** What third-party apps may ask for; `admin` is never delegated to an app. */
export const DELEGABLE_SCOPES: readonly Scope[] = ['read', 'flattr', 'things'];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  read: 'See your account, budget, balance and flattrs',
  flattr: 'Flattr things and change your monthly budget',
  things: 'Register things (content) in your name',
  admin: 'Administer the service',
};

/** Parses an OAuth `scope` parameter (space separated); undefined when it names something not delegable. Default: read. */
export function parseRequestedScopes(scope: string | undefined): Scope[] | undefined {
  if (!scope || !scope.trim()) return ['read'];
  const parts = [...new Set(scope.trim().split(/ +/))];
  if (!parts.every((s) => (DELEGABLE_SCOPES as readonly string[]).includes(s))) return undefined;
  return DELEGABLE_SCOPES.filter((s) => parts.includes(s));
}
