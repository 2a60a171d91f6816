export { earningsModule } from './module.js';
export { earningsOf, type Earnings, type PeriodEarnings, type ThingEarnings } from './earnings.js';
