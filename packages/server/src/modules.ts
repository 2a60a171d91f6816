import type { ServerModule } from './context.js';
import { authModule } from './auth/index.js';
import { rateLimitsModule } from './rate-limits/index.js';
import { accountsModule } from './accounts/index.js';
import { pagesModule } from './pages/index.js';
import { moneyModule } from './money/module.js';
import { sitesModule } from './sites/index.js';
import { subscriptionsModule } from './subscriptions/index.js';
import { statsModule } from './stats/index.js';
import { payoutsModule } from './payouts/index.js';
import { earningsModule } from './earnings/index.js';
import { widgetModule } from './widget/index.js';
import { demoModule } from './demo/index.js';
import { settingsModule } from './settings/index.js';
import { thingsModule } from './things/index.js';
import { flattrsModule } from './flattrs/index.js';
import { countsModule } from './counts/index.js';
import { badgesModule } from './badges/index.js';
import { discoveryModule } from './discovery/index.js';
import { depositsModule } from './deposits/index.js';
import { distributionModule } from './distribution/index.js';
import { ledgerModule } from './ledger/index.js';
import { readerPagesModule } from './reader-pages/index.js';
import { demoMonthModule } from './demo-month/index.js';
import { creatorPagesModule } from './creator-pages/index.js';
import { adminPagesModule } from './admin-pages/index.js';
import { publicPagesModule } from './public-pages/index.js';
import { demoSitesModule } from './demo-sites/index.js';
import { mailModule } from './mail/index.js';
import { stripeModule } from './stripe/index.js';
import { reconciliationModule } from './reconciliation/index.js';

/**
 * Every concern of the server, in mount order. A new concern adds one line here.
 * The auth module must stay first: it provides `authenticate`. Rate limits count
 * every request through their `guard`, which runs before any module's `mount`.
 */
export const modules: ServerModule[] = [
  authModule,
  rateLimitsModule,
  mailModule,
  accountsModule,
  pagesModule,
  moneyModule,
  sitesModule,
  subscriptionsModule,
  statsModule,
  payoutsModule,
  earningsModule,
  widgetModule,
  // Before the demo blog: its `/` must not answer for the demo creators' hosts (`ada.localhost`).
  demoSitesModule,
  demoModule,
  settingsModule,
  thingsModule,
  flattrsModule,
  countsModule,
  badgesModule,
  discoveryModule,
  depositsModule,
  distributionModule,
  ledgerModule,
  readerPagesModule,
  creatorPagesModule,
  adminPagesModule,
  publicPagesModule,
  demoMonthModule,
  stripeModule,
  reconciliationModule,
];
