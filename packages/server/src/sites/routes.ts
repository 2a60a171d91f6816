import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { urlInputSchema } from '../things/index.js';
import { addSite, instructionsFor, listSites, verifySite, type SiteDoc } from './sites.js';

const problem = (description: string) => ({ description });

export const siteSchema = z.object({
  id: z.string(),
  host: z.string().describe('Lower-case host with a non-default port; owns the things whose host is this'),
  origin: z.string().describe('Where the proof is fetched from'),
  verifiedAt: z.string().nullable(),
  method: z.enum(['well-known', 'meta']).nullable(),
  createdAt: z.string(),
  instructions: z.object({
    wellKnown: z.object({ url: z.string(), content: z.string() }),
    meta: z.object({ url: z.string(), tag: z.string() }),
    verify: z.string(),
  }),
});

const releaseSchema = z.object({ count: z.number().int(), gross: z.number().int(), fee: z.number().int(), net: z.number().int() });

export function siteRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const toSite = (site: SiteDoc): z.infer<typeof siteSchema> => ({
    id: site._id.toHexString(),
    host: site.host,
    origin: site.origin,
    verifiedAt: site.verifiedAt?.toISOString() ?? null,
    method: site.method,
    createdAt: site.createdAt.toISOString(),
    instructions: instructionsFor(ctx, site),
  });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/sites',
      summary: 'Add a site to prove ownership of; answers how to prove it',
      tags: ['sites'],
      auth: { scope: 'things' },
      body: z.object({ url: urlInputSchema.describe('The site, e.g. https://blog.example.com (a bare host means https)') }),
      responses: {
        201: { description: 'Added, not yet verified', schema: siteSchema },
        200: { description: 'You had added this site before', schema: siteSchema },
        400: problem('`invalid_url` or `validation_failed`'),
      },
      handler: async ({ body, auth }) => {
        const { site, created } = await addSite(ctx, auth!.userId, body.url);
        return {
          status: created ? 201 : 200,
          body: toSite(site),
          ...(created ? { headers: { Location: `/v1/sites/${site._id.toHexString()}` } } : {}),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sites',
      summary: 'Your sites, verified or not',
      tags: ['sites'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'Your sites', schema: z.object({ items: z.array(siteSchema) }) } },
      handler: async ({ auth }) => ({ body: { items: (await listSites(ctx, auth!.userId)).map(toSite) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sites/:id/verify',
      summary: 'Fetch the proof; on success you own the site\'s things and receive their escrow',
      tags: ['sites'],
      auth: { scope: 'things' },
      params: z.object({ id: z.string() }),
      responses: {
        200: {
          description: 'Verified (again: repeats the ownership steps without fetching)',
          schema: z.object({ site: siteSchema, thingsClaimed: z.number().int(), escrowReleased: releaseSchema }),
        },
        404: problem('`site_not_found`'),
        422: problem('`proof_not_found`, `proof_mismatch`, `address_not_allowed`, `fetch_failed`, `host_owned_by_other`'),
      },
      handler: async ({ params, auth }) => {
        const outcome = await verifySite(ctx, auth!.userId, params.id);
        return { body: { site: toSite(outcome.site), thingsClaimed: outcome.thingsClaimed, escrowReleased: outcome.escrowReleased } };
      },
    }),
  ];
}
