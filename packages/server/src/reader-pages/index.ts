export { readerPagesModule } from './module.js';
export { topUpProviders, topUpBounds } from './top-up.js';
