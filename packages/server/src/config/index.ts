export { loadConfig, type Config } from './load-config.js';
