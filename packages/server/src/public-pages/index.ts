export { publicPagesModule } from './module.js';
