import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { collections, type ThingDoc } from '../db/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { thingSchema, toThing, urlInputSchema } from '../things/index.js';
import {
  cancelSubscription, listSubscriptions, MAX_MONTHS, setPaused, statusOf, subscribe, type SubscriptionDoc,
} from './subscriptions.js';

const problem = (description: string) => ({ description });

export const subscriptionSchema = z.object({
  id: z.string(),
  thingId: z.string(),
  months: z.number().int(),
  startPeriod: z.string().describe('First month flattred (YYYY-MM)'),
  endPeriod: z.string().describe('Last month flattred (inclusive)'),
  paused: z.boolean(),
  status: z.enum(['active', 'paused', 'cancelled', 'ended']),
  createdAt: z.string(),
  cancelledAt: z.string().nullable(),
  thing: thingSchema.nullable(),
});

const createBody = z.object({
  thingId: z.string().optional(),
  url: urlInputSchema.optional(),
  months: z.number().int('months must be a whole number').min(1, 'months must be 1 to 24').max(MAX_MONTHS, 'months must be 1 to 24'),
}).refine((b) => (b.thingId === undefined) !== (b.url === undefined), { message: 'give either thingId or url', path: ['thingId'] });

export function subscriptionRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const toJson = (sub: SubscriptionDoc, thing: ThingDoc | null): z.infer<typeof subscriptionSchema> => ({
    id: sub._id.toHexString(),
    thingId: sub.thingId.toHexString(),
    months: sub.months,
    startPeriod: sub.startPeriod,
    endPeriod: sub.endPeriod,
    paused: sub.paused,
    status: statusOf(sub, ctx.clock.now()),
    createdAt: sub.createdAt.toISOString(),
    cancelledAt: sub.cancelledAt?.toISOString() ?? null,
    thing: thing ? toThing(thing) : null,
  });
  const withThing = async (sub: SubscriptionDoc) => toJson(sub, await collections.things(ctx.db).findOne({ _id: sub.thingId }));
  return [
    defineRoute({
      method: 'post',
      path: '/v1/subscriptions',
      summary: 'Flattr a thing every month for 1–24 months, starting with the current one',
      tags: ['subscriptions'],
      auth: { scope: 'flattr' },
      body: createBody,
      responses: {
        201: { description: 'Subscribed', schema: subscriptionSchema },
        404: problem('`thing_not_found`'),
        409: problem('`subscription_exists`: you already subscribe to this thing'),
        422: problem('`own_thing`'),
      },
      handler: async ({ body, auth }) => {
        const { subscription, thing } = await subscribe(ctx, auth!.userId, body);
        return { status: 201, body: toJson(subscription, thing) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/subscriptions',
      summary: 'Your subscriptions, newest first (cancelled and ended ones included)',
      tags: ['subscriptions', 'me'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'Your subscriptions', schema: z.object({ items: z.array(subscriptionSchema) }) } },
      handler: async ({ auth }) => {
        const subs = await listSubscriptions(ctx, auth!.userId);
        const things = await collections.things(ctx.db).find({ _id: { $in: [...new Set(subs.map((s) => s.thingId))] } }).toArray();
        const byId = new Map(things.map((t) => [t._id.toHexString(), t]));
        return { body: { items: subs.map((s) => toJson(s, byId.get(s.thingId.toHexString()) ?? null)) } };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/subscriptions/:id',
      summary: 'Pause or resume a subscription (a month paused at its end is skipped)',
      tags: ['subscriptions'],
      auth: { scope: 'flattr' },
      params: z.object({ id: z.string() }),
      body: z.object({ paused: z.boolean() }),
      responses: {
        200: { description: 'Updated', schema: subscriptionSchema },
        404: problem('`subscription_not_found`'),
        409: problem('`subscription_inactive`: cancelled or ended'),
      },
      handler: async ({ params, body, auth }) => ({ body: await withThing(await setPaused(ctx, auth!.userId, params.id, body.paused)) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/subscriptions/:id',
      summary: 'Cancel a subscription (idempotent); months already ended still count',
      tags: ['subscriptions'],
      auth: { scope: 'flattr' },
      params: z.object({ id: z.string() }),
      responses: { 204: { description: 'Cancelled' }, 404: problem('`subscription_not_found`') },
      handler: async ({ params, auth }) => {
        await cancelSubscription(ctx, auth!.userId, params.id);
        return { status: 204 };
      },
    }),
  ];
}
