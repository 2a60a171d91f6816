export { publicPagesModule } from './module.js';
export { confirmLink } from './public-pages.js';
