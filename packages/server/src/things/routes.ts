import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { problemResponse, registerThingBodySchema, thingSchema, toThing, urlInputSchema } from './schemas.js';
import { findThingByUrl, getThing, registerThing, ThingNotFoundError } from './things.js';

export function thingRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/things',
      summary: 'Find the thing for a URL (any spelling; the server normalises it)',
      tags: ['things'],
      query: z.object({ url: urlInputSchema }),
      responses: {
        200: { description: 'The thing', schema: thingSchema },
        400: problemResponse('`invalid_url` or `validation_failed`', ['invalid_url', 'validation_failed']),
        404: problemResponse('`thing_not_found`: nobody registered or flattred this URL yet', ['thing_not_found']),
      },
      handler: async ({ query }) => {
        const thing = await findThingByUrl(ctx.db, query.url);
        if (!thing) throw new ThingNotFoundError(`for ${query.url}`);
        return { body: toThing(thing) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/things/:id',
      summary: 'One thing by id',
      tags: ['things'],
      params: z.object({ id: z.string() }),
      responses: {
        200: { description: 'The thing', schema: thingSchema },
        404: problemResponse('`thing_not_found` (also for ids that cannot exist)', ['thing_not_found']),
      },
      handler: async ({ params }) => ({ body: toThing(await getThing(ctx.db, params.id)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/things',
      summary: 'Register a thing; the caller owns it only if they verified its site',
      tags: ['things'],
      auth: { scope: 'things' },
      body: registerThingBodySchema,
      responses: {
        201: { description: 'Created (owned by the caller, or unowned with the caller as claimed creator)', schema: thingSchema },
        200: { description: 'Existed: the owner updated its metadata, or the caller\'s claim was recorded', schema: thingSchema },
        400: problemResponse('`invalid_url` or `validation_failed`', ['invalid_url', 'validation_failed']),
        409: problemResponse('`thing_owned_by_other`: another user verified the site', ['thing_owned_by_other']),
      },
      handler: async ({ body, auth }) => {
        const { thing, created } = await registerThing(ctx, auth!.userId, body);
        return {
          status: created ? 201 : 200,
          body: toThing(thing),
          ...(created ? { headers: { Location: `/v1/things/${thing._id.toHexString()}` } } : {}),
        };
      },
    }),
  ];
}
