import type { ServerModule } from './context.js';
import { moneyModule } from './money/module.js';

/**
 * Every concern of the server, in mount order. A new concern adds one line here.
 * The auth module must stay first: it provides `authenticate`.
 */
export const modules: ServerModule[] = [
  moneyModule,
];
