export { loadConfig, type Config, type RateLimitConfig } from './load-config.js';
