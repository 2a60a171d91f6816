import type { Collection, ObjectId } from 'mongodb';
import type { ServerContext } from '../../context.js';
import { ValidationError } from '../../errors/index.js';
import { randomSecret } from '../secrets.js';

export const OAUTH_CLIENTS = 'oauth_clients';

/** A third-party app. Public client (PKCE, no secret): apps in browsers and on devices cannot keep one. */
export interface OAuthClientDoc {
  _id: string;
  name: string;
  /** Compared exactly (no prefix or wildcard matching) at authorize and token time. */
  redirectUris: string[];
  ownerId: ObjectId;
  createdAt: Date;
}

function collection(ctx: ServerContext): Collection<OAuthClientDoc> {
  return ctx.db.collection<OAuthClientDoc>(OAUTH_CLIENTS);
}

/**
 * A redirect URI must be https, or http on a loopback address for native
 * apps (RFC 8252 §7.3), and carry no fragment (RFC 6749 §3.1.2).
 */
export function checkRedirectUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(`redirect URI "${uri}" is not an absolute URL`);
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ValidationError(`redirect URI "${uri}" must use https (http only on a loopback address)`);
  }
  if (url.hash || uri.includes('#')) throw new ValidationError(`redirect URI "${uri}" must not have a fragment`);
  if (url.username || url.password) throw new ValidationError(`redirect URI "${uri}" must not carry credentials`);
  return uri;
}

export async function registerClient(
  ctx: ServerContext,
  input: { name: string; redirectUris: string[]; ownerId: ObjectId },
): Promise<OAuthClientDoc> {
  const doc: OAuthClientDoc = {
    _id: randomSecret('fcli_').slice(0, 5 + 22),
    name: input.name,
    redirectUris: [...new Set(input.redirectUris.map(checkRedirectUri))],
    ownerId: input.ownerId,
    createdAt: ctx.clock.now(),
  };
  await collection(ctx).insertOne(doc);
  return doc;
}

export async function findClient(ctx: ServerContext, clientId: string | undefined): Promise<OAuthClientDoc | null> {
  if (!clientId || clientId.length > 100) return null;
  return collection(ctx).findOne({ _id: clientId });
}
