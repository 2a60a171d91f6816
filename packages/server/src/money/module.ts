import type { ServerModule } from '../context.js';
import { ensureJournalIndexes } from './journal.js';

/** The journal and cached balances. Routes that move money live with their concerns (deposits, distribution). */
export const moneyModule: ServerModule = {
  name: 'money',
  ensureIndexes: (ctx) => ensureJournalIndexes(ctx.db),
};
