import { z } from 'zod';
import type { ThingDoc } from '../db/index.js';
import { storedText } from '../http/stored-text.js';

/** BCP 47-ish: a 2–3 letter language, then up to four subtags (script, region, variant). */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/;

export const LIMITS = {
  url: 4096,
  title: 300,
  description: 2000,
  tags: 20,
  tag: 50,
  creator: 200,
} as const;

export const titleSchema = storedText('title', LIMITS.title, { min: 1 });
export const urlInputSchema = z.string().min(1).max(LIMITS.url).describe('Any spelling of the URL; the server normalises it');

export const thingMetadataSchema = z.object({
  title: titleSchema,
  description: storedText('description', LIMITS.description, { multiline: true }).optional(),
  tags: z.array(storedText('a tag', LIMITS.tag, { min: 1 }))
    .max(LIMITS.tags, `at most ${LIMITS.tags} tags`)
    .transform((tags) => [...new Set(tags)])
    .optional(),
  language: z.string().max(35).regex(LANGUAGE_TAG, 'language must be a BCP 47 tag such as en, de-AT or zh-Hant').optional(),
});

export const registerThingBodySchema = thingMetadataSchema.extend({ url: urlInputSchema });

export type ThingMetadata = z.output<typeof thingMetadataSchema>;

export const thingSchema = z.object({
  id: z.string(),
  url: z.string().describe('Normalised canonical URL'),
  title: z.string(),
  description: z.string().optional(),
  tags: z.array(z.string()),
  language: z.string().optional(),
  ownerId: z.string().nullable().describe('Verified owner; null while shares wait in escrow'),
  claimedCreator: z.string().nullable().describe('A claim only (button attribute or registering user), never ownership'),
  flattrCount: z.number().int().min(0).describe('All-time flattrs: one per reader per period'),
  createdAt: z.string().describe('ISO 8601'),
});

export type Thing = z.output<typeof thingSchema>;

/** The API form of a stored thing. */
export function toThing(doc: ThingDoc): Thing {
  return {
    id: doc._id.toHexString(),
    url: doc.url,
    title: doc.title,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    tags: doc.tags ?? [],
    ...(doc.language !== undefined ? { language: doc.language } : {}),
    ownerId: doc.ownerId ? doc.ownerId.toHexString() : null,
    claimedCreator: doc.claimedCreator ?? null,
    flattrCount: Math.max(0, doc.flattrCount ?? 0),
    createdAt: doc.createdAt.toISOString(),
  };
}

/**
 * A documented error answer: RFC 9457 problem+json whose `code` is one of
 * `codes` (described, not enumerated: body-parser errors such as
 * `malformed_json` can answer any route with a body).
 */
export function problemResponse(description: string, codes: string[]) {
  return {
    description,
    schema: z.object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      code: z.string().describe(`Stable machine-readable code: ${codes.join(', ')}`),
      detail: z.string(),
      instance: z.string().optional(),
    }).loose(),
  };
}
