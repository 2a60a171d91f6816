export { seedDemoData, type SeedOptions, type SeedSummary } from './seed-demo-data.js';
export { seedDemo, DEMO_SEED, type DemoSeedSummary } from './demo-seed.js';
