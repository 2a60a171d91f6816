import type { ServerContext } from '../context.js';
import { SigningKeys } from './signing-keys.js';

/** Per-server state of the auth concern (one per ServerContext, so several servers can run in one process). */
const signingKeysByContext = new WeakMap<ServerContext, SigningKeys>();

export function signingKeys(ctx: ServerContext): SigningKeys {
  let keys = signingKeysByContext.get(ctx);
  if (!keys) signingKeysByContext.set(ctx, (keys = new SigningKeys(ctx)));
  return keys;
}
