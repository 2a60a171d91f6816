/*
 * Node-only helpers (`@flattr/sdk/node`): kept out of the main entry so the
 * browser bundles never see `node:http`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Session } from './auth/session.js';
import type { FlattrClient } from './client.js';
import { FlattrError } from './errors.js';

export interface LoopbackAuthorizeOptions {
  clientId?: string;
  scope?: string;
  /** Shows the authorize URL to the user: print it, or open a browser (e.g. with the `open` package). */
  openUrl: (url: string) => void | Promise<void>;
  /** Port for the listener on 127.0.0.1; 0 (default) picks a free one, as RFC 8252 §7.3 allows. */
  port?: number;
  /** Path of the redirect URI; default `/callback`. */
  path?: string;
  /** Gives up after this long (default 5 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * OAuth 2.0 authorization code + PKCE for CLIs and desktop apps (RFC 8252):
 * listens on a loopback redirect URI, lets the user authorize in a browser,
 * receives the code there and exchanges it. Resolves with the stored session.
 */
export async function authorizeWithLoopback(client: FlattrClient, options: LoopbackAuthorizeOptions): Promise<Session> {
  const path = options.path ?? '/callback';
  let resolveCallback!: (url: string) => void;
  const callback = new Promise<string>((resolve) => { resolveCallback = resolve; });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== path || !(url.searchParams.has('code') || url.searchParams.has('error'))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const ok = url.searchParams.has('code');
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>Flattr</title><p>${ok ? 'Signed in. You can close this window.' : 'Authorization was refused. You can close this window.'}</p>`);
    resolveCallback(`http://127.0.0.1${req.url}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const { port } = server.address() as AddressInfo;
    const redirectUri = `http://127.0.0.1:${port}${path}`;
    const { url } = await client.auth.oauth.start({ clientId: options.clientId, scope: options.scope, redirectUri });
    const stopped = new Promise<never>((_, reject) => {
      const timeoutMs = options.timeoutMs ?? 300_000;
      timer = setTimeout(() => reject(new FlattrError(`No authorization within ${timeoutMs} ms`, { status: 0, code: 'timeout' })), timeoutMs);
      onAbort = () => reject(new FlattrError('The request was aborted', { status: 0, code: 'aborted', cause: options.signal?.reason }));
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    // Settles after we stopped listening when nothing races it any more: never unhandled.
    stopped.catch(() => {});
    await options.openUrl(url);
    const received = await Promise.race([callback, stopped]);
    return await client.auth.oauth.finish(received, { signal: options.signal });
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    server.closeAllConnections();
    server.close();
  }
}
