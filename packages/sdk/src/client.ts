import { confirmInWindow, type ConfirmSuccess, type ConfirmWindowOptions } from './auth/confirm-window.js';
import { OAuthFlow } from './auth/oauth.js';
import { SessionKeeper, type Session } from './auth/session.js';
import { FlattrError } from './errors.js';
import { Emitter, type FlattrEvents, type Listener } from './events.js';
import { defaultRetryPolicy, type RetryPolicy } from './http/backoff.js';
import { memoryStorage, storageKeys, type TokenStorage } from './http/storage.js';
import { exchange, send, sendFull, type CallOptions, type CallSpec, type Transport } from './http/transport.js';
import { fetchOf } from './http/fetch.js';
import { createCountsBatcher, type Counts, type CountsBatcher } from './lite.js';
import type * as T from './types.js';

/** Refusals of a site-token click that leave the token good for other clicks (docs/auth.md, "Site tokens"). */
const BEYOND_SITE_TOKEN = ['site_cap_reached', 'thing_not_on_site'];

export interface FlattrClientOptions {
  /** Service origin, e.g. `https://flattr.example`; endpoints are under `/v1`. */
  baseUrl: string;
  /** A fixed bearer token: a personal access token (`fpat_…`) for servers and scripts. */
  token?: string;
  /** Asked before every call for the bearer token (your own token management). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
  /** Deadline per call in ms, retries included. None by default. */
  timeoutMs?: number;
  /** Extra attempts for retryable failures (a number), or the whole policy. */
  retries?: number | Partial<RetryPolicy>;
  /** Where sessions and the site token live; memory by default. */
  storage?: TokenStorage;
  /** Sent with every request (e.g. a `user-agent` in Node). */
  headers?: Record<string, string>;
  /** Default OAuth client id for `auth.oauth`. */
  clientId?: string;
  /** Counts batching: URLs per request (≤ 100) and cache time. */
  counts?: { maxBatch?: number; cacheMs?: number };
}

/** Per-call options: every method takes them last. */
export type RequestOptions = CallOptions;

/** For flattrs.create: the key defaults to a fresh `crypto.randomUUID()`, reused by every retry of the call. */
export interface CreateFlattrOptions extends RequestOptions {
  idempotencyKey?: string;
}

export interface FlattrResult {
  /** 201: first flattr of this thing this period; 200: already flattred, the existing flattr. */
  status: 200 | 201;
  created: boolean;
  flattr: T.Flattr;
}

/**
 * The Flattr API client. Methods are grouped by concern (`client.things.get`,
 * `client.flattrs.create`, `client.admin.distributions.start`, …); every
 * method takes `{ signal, timeoutMs, retries, headers }` last and throws
 * `FlattrError`.
 */
export class FlattrClient {
  readonly baseUrl: string;
  private readonly options: FlattrClientOptions;
  private readonly storage: TokenStorage;
  private readonly events = new Emitter<FlattrEvents>();
  private readonly transport: Transport;
  private readonly session: SessionKeeper;
  private readonly batcher: CountsBatcher;

  constructor(options: FlattrClientOptions) {
    if (!options?.baseUrl) throw new TypeError('@flattr/sdk: new FlattrClient({ baseUrl }) needs the service origin, e.g. "https://flattr.example".');
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.storage = options.storage ?? memoryStorage();
    const fetch = fetchOf(options.fetch);
    const retry = typeof options.retries === 'number'
      ? { ...defaultRetryPolicy, retries: options.retries }
      : { ...defaultRetryPolicy, ...options.retries };
    this.session = new SessionKeeper(this.storage, this.baseUrl, () => this.transport, (signedIn) => this.events.emit('session', { signedIn }));
    this.transport = {
      baseUrl: this.baseUrl,
      fetch,
      timeoutMs: options.timeoutMs,
      retry,
      headers: options.headers ?? {},
      events: this.events,
      credentials: async () => {
        if (options.token) return options.token;
        if (options.getToken) return (await options.getToken()) ?? undefined;
        return this.session.accessToken();
      },
      // A fixed token or your own getToken: the SDK cannot renew those.
      refresh: options.token || options.getToken ? undefined : (rejected) => this.session.refresh(rejected),
    };
    this.auth.oauth = new OAuthFlow(this.baseUrl, this.storage, this.session, () => this.transport, options.clientId);
    // Counts go through the retry loop too (GET: safe), but batching lives in lite.ts only.
    this.batcher = createCountsBatcher({
      baseUrl: this.baseUrl,
      maxBatch: options.counts?.maxBatch,
      cacheMs: options.counts?.cacheMs,
      fetch: (input) => exchange(this.transport, { method: 'GET', path: String(input).slice(this.baseUrl.length), auth: false }, {},
        async (response) => new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers })),
    });
  }

  /** A new client with these options laid over this one's; it shares the storage (and so the session). */
  withDefaults(defaults: Partial<FlattrClientOptions>): FlattrClient {
    return new FlattrClient({
      ...this.options,
      storage: this.storage,
      ...defaults,
      headers: { ...this.options.headers, ...defaults.headers },
    });
  }

  /** Subscribes to `flattr`, `withdraw`, `error`, `retry` or `session`; returns the unsubscribe function. */
  on<K extends keyof FlattrEvents>(event: K, listener: Listener<FlattrEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  private call<R>(spec: CallSpec, options?: RequestOptions): Promise<R> {
    return send<R>(this.transport, spec, options);
  }

  // --- auth -----------------------------------------------------------------------

  readonly auth = {
    /** Email and password: stores the session (access + refresh token) in the storage. */
    signup: async (input: T.SignupInput, options?: RequestOptions): Promise<T.AuthTokens> => {
      const tokens = await this.call<T.AuthTokens>({ method: 'POST', path: '/v1/auth/signup', body: input, auth: false }, options);
      await this.session.adopt(tokens, 'password');
      return tokens;
    },
    login: async (input: T.LoginInput, options?: RequestOptions): Promise<T.AuthTokens> => {
      const tokens = await this.call<T.AuthTokens>({ method: 'POST', path: '/v1/auth/login', body: input, auth: false }, options);
      await this.session.adopt(tokens, 'password');
      return tokens;
    },
    /** Renews the access token now (calls also do it by themselves after a 401). */
    refresh: async (): Promise<boolean> => {
      const session = await this.session.get();
      return session ? this.session.refresh(session.accessToken) : false;
    },
    /** Revokes the refresh token on the server and forgets the session. */
    logout: async (options?: RequestOptions): Promise<void> => {
      const session = await this.session.get();
      await this.session.set(undefined);
      if (session?.refreshToken && session.via === 'password') {
        await this.call({ method: 'POST', path: '/v1/auth/logout', body: { refreshToken: session.refreshToken }, auth: false }, options);
      }
    },
    getSession: (): Promise<Session | undefined> => this.session.get(),
    /** Adopts tokens obtained elsewhere (e.g. a server-side login). */
    setSession: (session: Session | undefined): Promise<void> => this.session.set(session),
    /**
     * OAuth 2.0 authorization code + PKCE: `start`/`finish`, `redirect`, `popup` (browser); see
     * `@flattr/sdk/node` for CLIs. Set by the constructor, which has the session it needs.
     */
    oauth: undefined as unknown as OAuthFlow,
  };

  /**
   * The site-scoped one-click token of the widget flow (`fsite_…`, scope
   * `flattr`, bound to one site's origin). Kept in the storage under the
   * same key the widget uses.
   */
  readonly siteToken = {
    get: async (): Promise<string | undefined> => (await this.storage.get(storageKeys.siteToken(this.baseUrl))) ?? undefined,
    set: async (token: string): Promise<void> => this.storage.set(storageKeys.siteToken(this.baseUrl), token),
    clear: async (): Promise<void> => this.storage.delete(storageKeys.siteToken(this.baseUrl)),
    /**
     * Flattrs with the stored site token (only things on this page's site, and
     * only as many new flattrs a month as the reader allows the site). A
     * 401/403 that refuses the token itself forgets it (revoked, or bound to
     * another origin); `site_cap_reached` (429) and `thing_not_on_site` (403)
     * keep it: the token is fine, this click is beyond it.
     */
    flattr: async (input: T.FlattrInput, options?: CreateFlattrOptions): Promise<FlattrResult> => {
      const token = await this.siteToken.get();
      if (!token) throw new FlattrError('No site token stored', { status: 0, code: 'no_site_token' });
      try {
        return await this.createFlattr(input, options, token);
      } catch (error) {
        if (error instanceof FlattrError && (error.status === 401 || error.status === 403) && !BEYOND_SITE_TOKEN.includes(error.code)) {
          await this.siteToken.clear();
        }
        throw error;
      }
    },
    /**
     * Browser: the widget's flow for your own button. With a stored site token
     * flattrs at once; otherwise (or when the token is refused) opens the
     * service's confirm window, where the reader confirms (and may tick "one
     * click on this site": the token it sends back is stored). Call from a click handler.
     */
    flattrOrConfirm: async (input: { url: string; title?: string; creator?: string }, options: ConfirmWindowOptions = {}): Promise<ConfirmSuccess> => {
      if (await this.siteToken.get()) {
        try {
          const { flattr } = await this.siteToken.flattr(input, { signal: options.signal });
          return { type: 'flattr:result', ok: true, url: input.url, thingId: flattr.thingId, count: flattr.thing.flattrCount, period: flattr.period, flattrId: flattr.id };
        } catch (error) {
          // A revoked or foreign token was just forgotten, or this click is beyond it: the reader confirms in the window instead.
          if (!(error instanceof FlattrError && (error.status === 401 || error.status === 403 || BEYOND_SITE_TOKEN.includes(error.code)))) throw error;
        }
      }
      const result = await confirmInWindow(this.baseUrl, input, options);
      if (result.siteToken) await this.siteToken.set(result.siteToken);
      this.batcher.clear();
      return result;
    },
  };

  // --- reader -----------------------------------------------------------------------

  readonly me = {
    get: (options?: RequestOptions) => this.call<T.User>({ method: 'GET', path: '/v1/me' }, options),
    /** Changes the name and/or the monthly budget (minor units). */
    update: (input: T.UpdateMeInput, options?: RequestOptions) =>
      this.call<T.User>({ method: 'PATCH', path: '/v1/me', body: input }, options),
  };

  readonly balance = {
    get: (options?: RequestOptions) => this.call<T.Balance>({ method: 'GET', path: '/v1/me/balance' }, options),
  };

  readonly things = {
    get: (id: string, options?: RequestOptions) =>
      this.call<T.Thing>({ method: 'GET', path: `/v1/things/${seg(id)}`, auth: false }, options),
    getByUrl: (url: string, options?: RequestOptions) =>
      this.call<T.Thing>({ method: 'GET', path: '/v1/things', query: { url }, auth: false }, options),
    /** Registers (or re-registers) a thing you own. */
    register: (input: T.RegisterThingInput, options?: RequestOptions) =>
      this.call<T.Thing>({ method: 'POST', path: '/v1/things', body: input }, options),
    /**
     * The things a page or a feed (RSS, Atom, a podcast) offers to flattr on
     * this service: its `rel="payment"` links and `<podcast:funding>`, with
     * their counts. The server fetches and reads it (feeds are rarely readable
     * from a browser across origins), so this works the same in browsers and
     * Node. Flattr one with `flattrs.create({ url, title, creator })`, or send
     * a reader without a token to its `flattrUrl`.
     */
    discover: (url: string, options?: RequestOptions) =>
      this.call<T.Discovery>({ method: 'POST', path: '/v1/things/discover', body: { url } }, options),
  };

  readonly flattrs = {
    /**
     * Flattrs a thing (by URL, auto-submitting it, or by id). Retried safely:
     * every attempt carries the same `Idempotency-Key`.
     */
    create: (input: T.FlattrInput, options?: CreateFlattrOptions): Promise<FlattrResult> => this.createFlattr(input, options),
    withdraw: async (id: string, options?: RequestOptions): Promise<void> => {
      await this.call<void>({ method: 'DELETE', path: `/v1/flattrs/${seg(id)}` }, options);
      this.events.emit('withdraw', { id });
    },
    /** This reader's flattrs of a period (`YYYY-MM`, default the current one). */
    list: (query: { period?: T.Period } = {}, options?: RequestOptions) =>
      this.call<T.FlattrList>({ method: 'GET', path: '/v1/me/flattrs', query }, options),
  };

  readonly counts = {
    /** One URL's count; calls in the same tick share one request (≤ 100 URLs each). */
    get: (url: string, options?: { signal?: AbortSignal }): Promise<Counts> => this.batcher.get(url, options),
    getMany: async (urls: string[], options?: { signal?: AbortSignal }): Promise<Record<string, Counts>> => {
      const values = await Promise.all(urls.map((url) => this.batcher.get(url, options)));
      return Object.fromEntries(urls.map((url, i) => [url, values[i]!]));
    },
    clear: () => this.batcher.clear(),
  };

  readonly tokens = {
    list: (options?: RequestOptions) => this.call<T.PersonalAccessTokenList>({ method: 'GET', path: '/v1/me/tokens' }, options),
    /** The answer carries the secret `token` once: store it then. */
    create: (input: T.CreateTokenInput, options?: RequestOptions) =>
      this.call<T.PersonalAccessToken>({ method: 'POST', path: '/v1/me/tokens', body: input }, options),
    revoke: (id: string, options?: RequestOptions) =>
      this.call<void>({ method: 'DELETE', path: `/v1/me/tokens/${seg(id)}` }, options),
  };

  readonly siteTokens = {
    list: (options?: RequestOptions) => this.call<T.SiteTokenList>({ method: 'GET', path: '/v1/me/site-tokens' }, options),
    revoke: (id: string, options?: RequestOptions) =>
      this.call<void>({ method: 'DELETE', path: `/v1/me/site-tokens/${seg(id)}` }, options),
    /** Sets how many new flattrs a month the site may make without asking (needs a login session, not a personal access token). */
    update: (id: string, input: T.UpdateSiteTokenInput, options?: RequestOptions) =>
      this.call<T.SiteToken>({ method: 'PATCH', path: `/v1/me/site-tokens/${seg(id)}`, body: input }, options),
  };

  readonly subscriptions = {
    create: (input: T.CreateSubscriptionInput, options?: RequestOptions) =>
      this.call<T.Subscription>({ method: 'POST', path: '/v1/subscriptions', body: input }, options),
    list: (options?: RequestOptions) => this.call<T.SubscriptionList>({ method: 'GET', path: '/v1/me/subscriptions' }, options),
    /** Pauses or resumes. */
    update: (id: string, input: T.UpdateSubscriptionInput, options?: RequestOptions) =>
      this.call<T.Subscription>({ method: 'PATCH', path: `/v1/subscriptions/${seg(id)}`, body: input }, options),
    cancel: (id: string, options?: RequestOptions) =>
      this.call<void>({ method: 'DELETE', path: `/v1/subscriptions/${seg(id)}` }, options),
  };

  /** Third-party apps for OAuth (needs a login session, not a personal access token). */
  readonly oauthClients = {
    create: (input: T.CreateOAuthClientInput, options?: RequestOptions) =>
      this.call<T.OAuthClient>({ method: 'POST', path: '/v1/oauth/clients', body: input }, options),
  };

  readonly deposits = {
    /** Development only (`DEMO_TOPUP=true` on the server): credits your own account. */
    demo: (input: T.DemoDepositInput, options?: CreateFlattrOptions) => {
      const { idempotencyKey = crypto.randomUUID(), ...rest } = options ?? {};
      return this.call<T.DemoDeposit>({ method: 'POST', path: '/v1/me/deposits/demo', body: input, idempotencyKey, retry: true }, rest);
    },
  };

  // --- creator ----------------------------------------------------------------------

  readonly sites = {
    add: (input: T.AddSiteInput, options?: RequestOptions) =>
      this.call<T.Site>({ method: 'POST', path: '/v1/sites', body: input }, options),
    list: (options?: RequestOptions) => this.call<T.SiteList>({ method: 'GET', path: '/v1/sites' }, options),
    /** Asks the server to fetch the site's `/.well-known/flattr` (or meta tag) proof now. */
    verify: (id: string, options?: RequestOptions) =>
      this.call<T.SiteVerification>({ method: 'POST', path: `/v1/sites/${seg(id)}/verify` }, options),
  };

  readonly earnings = {
    get: (query: { period?: T.Period } = {}, options?: RequestOptions) =>
      this.call<T.Earnings>({ method: 'GET', path: '/v1/me/earnings', query }, options),
  };

  readonly payouts = {
    request: (input: T.PayoutRequestInput, options?: RequestOptions) =>
      this.call<T.Payout>({ method: 'POST', path: '/v1/me/payouts', body: input }, options),
    list: (options?: RequestOptions) => this.call<T.PayoutList>({ method: 'GET', path: '/v1/me/payouts' }, options),
  };

  readonly stats = {
    get: (period: T.Period, options?: RequestOptions) =>
      this.call<T.PeriodStats>({ method: 'GET', path: `/v1/stats/${seg(period)}`, auth: false }, options),
  };

  // --- admin ------------------------------------------------------------------------

  readonly admin = {
    /** Credits a reader (`manual` provider). The same `reference` again is a no-op answering 200. */
    deposit: (input: T.DepositInput, options?: RequestOptions) =>
      this.call<T.Deposit>({ method: 'POST', path: '/v1/admin/deposits', body: input, retry: true }, options),
    setRoles: (userId: string, roles: T.Role[], options?: RequestOptions) =>
      this.call<T.User>({ method: 'POST', path: `/v1/admin/users/${seg(userId)}/roles`, body: { roles } }, options),
    distributions: {
      /** Starts (or resumes) distributing an ended period; runs are idempotent on the server. */
      start: (period: T.Period, options?: RequestOptions) =>
        this.call<T.DistributionStart>({ method: 'POST', path: '/v1/admin/distributions', body: { period }, retry: true }, options),
      status: (period: T.Period, options?: RequestOptions) =>
        this.call<T.DistributionRun>({ method: 'GET', path: `/v1/admin/distributions/${seg(period)}` }, options),
    },
    ledger: {
      verify: (options?: RequestOptions) => this.call<T.LedgerReport>({ method: 'GET', path: '/v1/admin/ledger/verify' }, options),
    },
    payouts: {
      list: (query: { status?: string } = {}, options?: RequestOptions) =>
        this.call<T.AdminPayoutList>({ method: 'GET', path: '/v1/admin/payouts', query }, options),
      /** The payout list as CSV text, for the bank. */
      csv: (query: { status?: string } = {}, options?: RequestOptions) =>
        this.call<string>({ method: 'GET', path: '/v1/admin/payouts', query: { ...query, format: 'csv' }, accept: 'text' }, options),
      markPaid: (id: string, input: T.MarkPaidInput, options?: RequestOptions) =>
        this.call<unknown>({ method: 'POST', path: `/v1/admin/payouts/${seg(id)}/paid`, body: input }, options),
    },
  };

  private async createFlattr(input: T.FlattrInput, options: CreateFlattrOptions = {}, token?: string): Promise<FlattrResult> {
    const { idempotencyKey = crypto.randomUUID(), ...rest } = options;
    const { status, body: flattr } = await sendFull<T.Flattr>(this.transport, {
      method: 'POST', path: '/v1/flattrs', body: input, idempotencyKey, retry: true, ...(token ? { auth: token } : {}),
    }, rest);
    const created = status === 201;
    // The count this reader sees has changed.
    this.batcher.clear();
    this.events.emit('flattr', { flattr, created });
    return { status: created ? 201 : 200, created, flattr };
  }
}

function seg(value: string): string {
  return encodeURIComponent(value);
}
