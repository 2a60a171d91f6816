import type { ServerContext } from '../context.js';
import { ForbiddenError } from '../errors/index.js';
import type { SiteGrant } from '../http/auth-context.js';
import { takeSiteClick } from '../auth/index.js';
import { isOnOrigin } from '../things/index.js';
import type { ClickKey } from './idempotency.js';
import { recordFlattr, type RecordedFlattr } from './record-flattr.js';
import type { RecordFlattrBody } from './schemas.js';

/**
 * A click with a site token ("one click on this site"): only a thing named
 * by a URL on the token's own origin, and a new flattr only while the site
 * has some of the month's flattrs the reader allowed it left (a repeat click
 * answers the existing flattr whatever the count). Refused before anything
 * is written. docs/auth.md, "Site tokens".
 */
export async function recordSiteFlattr(
  ctx: ServerContext, readerId: string, grant: SiteGrant, input: RecordFlattrBody, key?: ClickKey,
): Promise<RecordedFlattr> {
  if (input.url === undefined || !isOnOrigin(input.url, grant.origin)) {
    throw new ForbiddenError(
      `A site token of ${grant.origin} flattrs only things on ${grant.origin} (same scheme, host and port), named by their url`,
      'thing_not_on_site',
    );
  }
  return recordFlattr(ctx, readerId, input, key, (period) => takeSiteClick(ctx, readerId, grant, period));
}

