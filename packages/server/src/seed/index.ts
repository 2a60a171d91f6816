export { seedDemoData, type SeedOptions, type SeedSummary } from './seed-demo-data.js';
