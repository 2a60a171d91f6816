import { z } from 'zod';
import type { ServerModule } from '../context.js';
import { defineRoute } from '../http/route.js';
import { verifyLedger } from './verify-ledger.js';

const reportSchema = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  entries: z.number().int(),
  pendingEntries: z.number().int(),
  accounts: z.number().int(),
  periods: z.record(z.string(), z.object({ contributed: z.number(), toCreators: z.number(), fees: z.number(), toEscrow: z.number() })),
  violationCount: z.number().int(),
  violations: z.array(z.object({ kind: z.string() }).loose()),
  debts: z.object({ accounts: z.number().int(), owed: z.number().int() }).describe('What readers owe: refunds and disputes that took more than their wallets held'),
});

/** The ledger check as an admin endpoint. */
export const ledgerModule: ServerModule = {
  name: 'ledger',
  routes: (ctx) => [
    defineRoute({
      method: 'get',
      path: '/v1/admin/ledger/verify',
      summary: 'Check the ledger invariants (read-only)',
      tags: ['admin'],
      auth: { scope: 'admin', role: 'admin' },
      responses: { 200: { description: 'The report; `ok` is false when there are violations', schema: reportSchema } },
      handler: async () => ({ body: await verifyLedger(ctx), headers: { 'Cache-Control': 'no-store' } }),
    }),
  ],
};
