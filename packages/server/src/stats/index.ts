export { statsModule } from './module.js';
export { periodStats, type PeriodStats } from './stats.js';
