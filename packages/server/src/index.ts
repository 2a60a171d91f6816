export { startServer, systemClock, type RunningServer } from './server.js';
export { loadConfig, type Config } from './config/index.js';
export type { ServerContext, ServerModule, Clock, Logger } from './context.js';
