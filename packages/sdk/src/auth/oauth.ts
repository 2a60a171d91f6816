import { FlattrError } from '../errors.js';
import { send, type Transport } from '../http/transport.js';
import { storageKeys, type TokenStorage } from '../http/storage.js';
import { createPkcePair, randomString } from './pkce.js';
import type { Session, SessionKeeper, TokenAnswer } from './session.js';

export interface AuthorizeOptions {
  /** The OAuth client id (defaults to the client's `clientId` option). */
  clientId?: string;
  redirectUri: string;
  /** Space-separated scopes, e.g. `'read flattr'`. */
  scope?: string;
}

export interface AuthorizationRequest {
  /** Open this (redirect, popup or a system browser). */
  url: string;
  state: string;
}

interface Pending {
  verifier: string;
  redirectUri: string;
  clientId: string;
}

/**
 * OAuth 2.0 authorization code with PKCE (S256) for third-party apps. The
 * verifier waits in the client's storage under the `state`, so the redirect
 * variant survives the page navigation when the storage does (localStorage).
 */
export class OAuthFlow {
  constructor(
    private readonly baseUrl: string,
    private readonly storage: TokenStorage,
    private readonly session: SessionKeeper,
    private readonly transport: () => Transport,
    private readonly defaultClientId: string | undefined,
  ) {}

  /** Builds the authorize URL with a fresh S256 challenge and state. */
  async start(options: AuthorizeOptions): Promise<AuthorizationRequest> {
    const clientId = options.clientId ?? this.defaultClientId;
    if (!clientId) throw new TypeError('@flattr/sdk: OAuth needs a client id: pass { clientId } to the call or to new FlattrClient().');
    const { verifier, challenge } = await createPkcePair();
    const state = randomString(16);
    const pending: Pending = { verifier, redirectUri: options.redirectUri, clientId };
    await this.storage.set(storageKeys.oauth(this.baseUrl, state), JSON.stringify(pending));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: options.redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(options.scope ? { scope: options.scope } : {}),
    });
    return { url: `${this.baseUrl}/oauth/authorize?${query}`, state };
  }

  /**
   * Finishes the flow from the URL the authorization server redirected to:
   * checks `state`, exchanges the code with the verifier, stores the session.
   */
  async finish(callbackUrl: string | URL, options: { signal?: AbortSignal } = {}): Promise<Session> {
    const params = new URL(callbackUrl).searchParams;
    const state = params.get('state') ?? '';
    const key = storageKeys.oauth(this.baseUrl, state);
    const raw = state ? await this.storage.get(key) : undefined;
    if (!raw) throw new FlattrError('Unknown or reused OAuth state', { status: 0, code: 'oauth_state_mismatch' });
    await this.storage.delete(key);
    const denied = params.get('error');
    if (denied) {
      throw new FlattrError(`Authorization failed: ${denied}`, { status: 0, code: denied, detail: params.get('error_description') ?? undefined });
    }
    const code = params.get('code');
    if (!code) throw new FlattrError('The redirect carries no code', { status: 0, code: 'oauth_missing_code' });
    const pending = JSON.parse(raw) as Pending;
    const answer = await send<TokenAnswer>(this.transport(), {
      method: 'POST',
      path: '/oauth/token',
      auth: false,
      form: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        client_id: pending.clientId,
        code_verifier: pending.verifier,
      },
    }, options);
    return this.session.adopt(answer, 'oauth', pending.clientId);
  }

  /** Browser: sends this window to the authorize page; call `finish(location.href)` on the redirect page. */
  async redirect(options: AuthorizeOptions & { assign?: (url: string) => void }): Promise<void> {
    const { url } = await this.start(options);
    (options.assign ?? ((u: string) => globalThis.location.assign(u)))(url);
  }

  /**
   * Browser: opens the authorize page in a popup and waits until the popup
   * arrives at `redirectUri` (same origin as this page), then finishes.
   * Call it from a click handler, or browsers block the popup.
   */
  async popup(options: AuthorizeOptions & {
    open?: (url: string) => Window | null;
    pollMs?: number;
    signal?: AbortSignal;
  }): Promise<Session> {
    const { url } = await this.start(options);
    const open = options.open ?? ((u: string) => globalThis.open(u, 'flattr-oauth', 'popup,width=480,height=640'));
    const popup = open(url);
    if (!popup) throw new FlattrError('The browser blocked the popup; call popup() from a click handler', { status: 0, code: 'popup_blocked' });
    const callback = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        if (options.signal?.aborted) {
          clearInterval(timer);
          popup.close();
          return reject(new FlattrError('The request was aborted', { status: 0, code: 'aborted', cause: options.signal.reason }));
        }
        if (popup.closed) {
          clearInterval(timer);
          return reject(new FlattrError('The popup was closed before authorizing', { status: 0, code: 'popup_closed' }));
        }
        let href: string | undefined;
        try {
          href = popup.location.href;
        } catch {
          // Still on the authorization server's origin: not readable yet.
        }
        if (href && href.startsWith(options.redirectUri)) {
          clearInterval(timer);
          popup.close();
          resolve(href);
        }
      }, options.pollMs ?? 250);
    });
    return this.finish(callback, { signal: options.signal });
  }
}
