export { readerPagesModule } from './module.js';
export { topUpProviders, topUpLimit } from './top-up.js';
