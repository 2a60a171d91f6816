import { z } from 'zod';
import type { FlattrDoc, ThingDoc } from '../db/index.js';
import { LIMITS, thingSchema, titleSchema, toThing, urlInputSchema } from '../things/index.js';

export const recordFlattrBodySchema = z.object({
  url: urlInputSchema.optional().describe('The thing\'s URL; the thing is created on the first click if missing'),
  thingId: z.string().optional().describe('An existing thing, instead of `url`'),
  title: titleSchema.optional().describe('Title for a thing created by this click'),
  creator: z.string().trim().min(1).max(LIMITS.creator).optional()
    .describe('The button\'s creator attribute: stored as a claim on a new thing, never as its owner'),
}).refine((body) => (body.url === undefined) !== (body.thingId === undefined), {
  message: 'send exactly one of url and thingId',
  path: ['url'],
});

export type RecordFlattrBody = z.output<typeof recordFlattrBodySchema>;

export const flattrSchema = z.object({
  id: z.string(),
  thingId: z.string(),
  readerId: z.string().optional().describe('The reader; absent in answers to a site token (a site does not learn who its readers are)'),
  period: z.string().describe('YYYY-MM, the UTC month the server recorded the click in'),
  source: z.enum(['click', 'subscription']),
  createdAt: z.string().describe('ISO 8601'),
  thing: thingSchema,
});

export type Flattr = z.output<typeof flattrSchema>;

export function toFlattr(flattr: FlattrDoc, thing: ThingDoc): Flattr {
  return {
    id: flattr._id.toHexString(),
    thingId: flattr.thingId.toHexString(),
    readerId: flattr.readerId.toHexString(),
    period: flattr.period,
    source: flattr.source ?? 'click',
    createdAt: flattr.createdAt.toISOString(),
    thing: toThing(thing),
  };
}
