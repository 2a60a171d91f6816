import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { ForbiddenError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { MAIL_LANGUAGES } from '../mail/i18n/index.js';
import { balanceFor, setBudget } from './budget.js';
import { balanceSchema, budgetSchema, nameSchema, roleSchema, userSchema } from './schemas.js';
import { changeRoles, getUser, toUserJson, users } from './users.js';

export function accountRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me',
      summary: 'The calling user',
      tags: ['me'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'The user', schema: userSchema } },
      handler: async ({ auth }) => ({ body: toUserJson(ctx, await getUser(ctx, auth!.userId)) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/me',
      summary: 'Change name, email language and/or monthly budget (budget needs the flattr scope)',
      tags: ['me'],
      auth: { scope: 'read' },
      body: z.object({
        name: nameSchema.optional(),
        budget: budgetSchema.optional(),
        language: z.enum(MAIL_LANGUAGES).optional().describe('Language of emails to you'),
      }).strict(),
      responses: {
        200: { description: 'The updated user', schema: userSchema },
        403: { description: '`insufficient_scope`: changing the budget needs the flattr scope' },
      },
      handler: async ({ auth, body }) => {
        if (body.budget !== undefined && !auth!.scopes.includes('flattr')) {
          throw new ForbiddenError('Changing the budget needs the "flattr" scope', 'insufficient_scope');
        }
        if (body.name !== undefined) {
          await users(ctx).updateOne({ _id: (await getUser(ctx, auth!.userId))._id }, { $set: { name: body.name } });
        }
        if (body.language !== undefined) {
          await users(ctx).updateOne({ _id: (await getUser(ctx, auth!.userId))._id }, { $set: { language: body.language } });
        }
        if (body.budget !== undefined) await setBudget(ctx, auth!.userId, body.budget);
        return { body: toUserJson(ctx, await getUser(ctx, auth!.userId)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/balance',
      summary: 'Money available, monthly budget and the current period',
      tags: ['me'],
      auth: { scope: 'read' },
      responses: { 200: { description: 'The balance', schema: balanceSchema } },
      handler: async ({ auth }) => ({ body: await balanceFor(ctx, await getUser(ctx, auth!.userId)), headers: { 'Cache-Control': 'no-store' } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/admin/users/:id/roles',
      summary: 'Set a user\'s roles (reader is always kept)',
      tags: ['admin'],
      auth: { scope: 'admin', role: 'admin' },
      params: z.object({ id: z.string().min(1).max(64) }),
      body: z.object({ roles: z.array(roleSchema).max(3) }),
      responses: {
        200: { description: 'The user with the new roles', schema: userSchema },
        404: { description: '`user_not_found`' },
        422: { description: '`cannot_demote_self`: an admin cannot remove their own admin role' },
      },
      handler: async ({ auth, params, body }) => ({ body: toUserJson(ctx, await changeRoles(ctx, auth!.userId, params.id, body.roles)) }),
    }),
  ];
}
