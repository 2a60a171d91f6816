export { adminPagesModule } from './module.js';
