export { creatorPagesModule } from './module.js';
