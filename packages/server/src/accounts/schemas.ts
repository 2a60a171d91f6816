import { z } from 'zod';
import { storedText } from '../http/stored-text.js';

/** A user's display name (signup, `PATCH /v1/me`, the signup form). */
export const nameSchema = storedText('name', 100, { min: 1 });

export const roleSchema = z.enum(['reader', 'creator', 'admin']);

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(roleSchema),
  budget: z.number().int(),
  currency: z.string(),
  createdAt: z.string(),
  emailVerified: z.boolean().describe('The address was confirmed with the link of the verification email; payouts need it where the service sends mail'),
  language: z.string().describe('Language of emails to the user: en, de, sv, fr or es'),
});

/** Minor units, at most 10^9 (ten million in a two-decimal currency): a typo guard, not a business limit. */
export const MAX_BUDGET = 1_000_000_000;
export const budgetSchema = z.number().int('must be an integer number of minor units').min(0).max(MAX_BUDGET)
  .refine(Number.isSafeInteger, 'must be a safe integer');

export const balanceSchema = z.object({
  currency: z.string(),
  available: z.number().int(),
  budget: z.number().int(),
  period: z.string(),
});
