import { FlattrError } from '../errors.js';
import { send, type Transport } from '../http/transport.js';
import { storageKeys, type TokenStorage } from '../http/storage.js';

/** A signed-in session: from login/signup (`password`) or an OAuth code exchange (`oauth`). */
export interface Session {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms when the access token expires. */
  expiresAt?: number;
  via: 'password' | 'oauth';
  /** The OAuth client the tokens belong to (refreshes go to /oauth/token with it). */
  clientId?: string;
}

/** What both `/v1/auth/*` (camelCase) and `/oauth/token` (RFC 6749 snake_case) answer. */
export interface TokenAnswer {
  accessToken?: string;
  refreshToken?: string;
  expiresIn?: number;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
}

// Refreshes are shared per storage and service: two clients on one storage
// (withDefaults) must not both spend the same single-use refresh token.
const refreshes = new WeakMap<TokenStorage, Map<string, Promise<boolean>>>();

/** Reads and writes the session in the client's storage, and refreshes it. */
export class SessionKeeper {
  private readonly key: string;

  constructor(
    private readonly storage: TokenStorage,
    private readonly origin: string,
    private readonly transport: () => Transport,
    private readonly changed: (signedIn: boolean) => void,
  ) {
    this.key = storageKeys.session(origin);
  }

  async get(): Promise<Session | undefined> {
    const raw = await this.storage.get(this.key);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as Session;
    } catch {
      return undefined;
    }
  }

  async set(session: Session | undefined): Promise<void> {
    if (session) await this.storage.set(this.key, JSON.stringify(session));
    else await this.storage.delete(this.key);
    this.changed(Boolean(session));
  }

  /** Stores a token answer as the session and returns it. */
  async adopt(answer: TokenAnswer, via: Session['via'], clientId?: string): Promise<Session> {
    const accessToken = answer.accessToken ?? answer.access_token;
    if (!accessToken) throw new FlattrError('The token answer has no access token', { status: 200, code: 'invalid_response' });
    const expiresIn = answer.expiresIn ?? answer.expires_in;
    const session: Session = {
      accessToken,
      refreshToken: answer.refreshToken ?? answer.refresh_token,
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
      via,
      ...(clientId ? { clientId } : {}),
    };
    await this.set(session);
    return session;
  }

  /** The access token to send, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | undefined> {
    const session = await this.get();
    if (!session) return undefined;
    if (session.expiresAt !== undefined && session.refreshToken && session.expiresAt - 10_000 <= Date.now()) {
      await this.refresh(session.accessToken);
      return (await this.get())?.accessToken;
    }
    return session.accessToken;
  }

  /**
   * New tokens after `rejected` was refused. Concurrent callers share one
   * refresh; a caller whose token was already replaced just retries.
   */
  refresh(rejected: string): Promise<boolean> {
    let byOrigin = refreshes.get(this.storage);
    if (!byOrigin) refreshes.set(this.storage, (byOrigin = new Map()));
    const running = byOrigin.get(this.origin);
    if (running) return running;
    const promise = this.refreshNow(rejected).finally(() => byOrigin.delete(this.origin));
    byOrigin.set(this.origin, promise);
    return promise;
  }

  private async refreshNow(rejected: string): Promise<boolean> {
    const session = await this.get();
    if (!session) return false;
    if (session.accessToken !== rejected) return true;
    if (!session.refreshToken) return false;
    try {
      const answer = session.via === 'oauth'
        ? await send<TokenAnswer>(this.transport(), {
          method: 'POST', path: '/oauth/token', auth: false,
          form: { grant_type: 'refresh_token', refresh_token: session.refreshToken, ...(session.clientId ? { client_id: session.clientId } : {}) },
        })
        : await send<TokenAnswer>(this.transport(), {
          method: 'POST', path: '/v1/auth/refresh', auth: false, body: { refreshToken: session.refreshToken },
        });
      await this.adopt(answer, session.via, session.clientId);
      return true;
    } catch (error) {
      // A refused refresh token will never work again: sign out. A network failure keeps the session for later.
      if (error instanceof FlattrError && error.status >= 400 && error.status < 500) await this.set(undefined);
      return false;
    }
  }
}
