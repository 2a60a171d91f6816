import { z } from 'zod';
import { ALL_SCOPES } from '../http/auth-context.js';
import { userSchema } from '../accounts/schemas.js';

export const scopeSchema = z.enum(ALL_SCOPES as unknown as ['read', 'flattr', 'things', 'admin']);

export const emailSchema = z.string().trim().max(254).pipe(z.email({ message: 'must be an email address' }));
/** Long enough to resist guessing; the upper bound keeps scrypt's input reasonable. */
export const passwordSchema = z.string().min(10, 'must be at least 10 characters').max(1024);

export const tokensSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  user: userSchema,
});

export const patSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  token: z.string().optional().describe('Only in the answer that creates the token: store it now'),
});

export const siteTokenSchema = z.object({
  id: z.string(),
  origin: z.string().describe('The site: its buttons may flattr things on this origin only'),
  monthlyCap: z.number().int().describe('New flattrs a month the site may make without asking'),
  usedThisMonth: z.number().int().describe('New flattrs the site made this month (`period`)'),
  period: z.string().describe('The current month, YYYY-MM (UTC)'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const idParams = z.object({ id: z.string().min(1).max(64) });
