import type { ServerModule } from '../context.js';
import { ensureMoneyCollections } from './collections.js';
import { repairBalances } from './repair.js';

/** The journal and cached balances. Routes that move money live with their concerns (deposits, distribution). */
export const moneyModule: ServerModule = {
  name: 'money',
  ensureIndexes: (ctx) => ensureMoneyCollections(ctx.db),
  // Finishes what a crashed process left (only work whose lease has run out).
  start: (ctx) => {
    void repairBalances(ctx.db).then(
      (finished) => { if (finished > 0) ctx.log.info(`money: finished ${finished} interrupted journal entr${finished === 1 ? 'y' : 'ies'}`); },
      (error) => ctx.log.error('money: repair of interrupted entries failed', error),
    );
  },
};
