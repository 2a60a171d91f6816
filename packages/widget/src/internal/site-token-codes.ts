/**
 * A site token that is fine but does not cover this click (the site's monthly cap is used up, or the thing
 * lives on another site): it is kept, and the reader is asked in the window this time. Any other 401/403 means
 * the token is revoked, expired or bound to another origin: it is forgotten.
 */
export const BEYOND_TOKEN_CODES = ['site_cap_reached', 'thing_not_on_site'];
