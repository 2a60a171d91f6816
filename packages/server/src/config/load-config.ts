import { z } from 'zod';

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).default('flattr'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  MONGODB_SOCKET_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  CURRENCY: currencyCode.default('EUR'),
  FEE_BPS: z.coerce.number().int().min(0).max(10_000).default(1000),
  UNCLAIMED_MONTHS: z.coerce.number().int().min(1).max(120).default(6),
  ALLOWED_ORIGINS: z.string().default('*'),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().default('flattr-api'),
  JWT_ALG: z.enum(['EdDSA', 'ES256']).default('EdDSA'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  ADMIN_EMAILS: z.string().default(''),
  ALLOW_PRIVATE_FETCH: z.enum(['true', 'false']).default('false'),
  DEMO_TOPUP: z.enum(['true', 'false']).default('false'),
  DEMO_MODE: z.enum(['true', 'false']).default('false'),
  BODY_LIMIT: z.string().default('100kb'),
  TRUST_PROXY: z.string().regex(/^[\w.:/, -]+$/, 'must be loopback, a number of hops, or addresses/subnets (comma-separated)').default('loopback'),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(86_400).default(60),
  RATE_LIMIT_IP: positiveInt(1e9).default(600),
  RATE_LIMIT_ACCOUNT: positiveInt(1e9).default(600),
  RATE_LIMIT_TOKEN: positiveInt(1e9).default(300),
  RATE_LIMIT_LOGIN_FREE_FAILURES: positiveInt(1e9).default(5),
  RATE_LIMIT_LOGIN_MAX_DELAY_SECONDS: positiveInt(86_400).default(900),
  RATE_LIMIT_LOGIN_IP_FAILURES: positiveInt(1e9).default(100),
  RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: positiveInt(1e9).default(50),
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: positiveInt(86_400).default(3600),
  RATE_LIMIT_KNOWN_CLIENT_DAYS: positiveInt(365).default(30),
  RATE_LIMIT_STORE_TIMEOUT_MS: positiveInt(60_000).default(1000),
});

export interface Config {
  port: number;
  host: string;
  /** The service's own origin as readers see it; tokens' `iss`, links in pages. */
  publicUrl: string;
  mongodbUri: string;
  mongodbDb: string;
  /** How long an operation waits for the database before the request answers 503 `database_unavailable`. */
  mongodbTimeouts: { serverSelectionMs: number; socketMs: number };
  currency: string;
  feeBps: number;
  unclaimedMonths: number;
  /** `['*']` allows any origin for the public, token-authenticated API. */
  allowedOrigins: string[];
  jwt: {
    issuer: string;
    audience: string;
    alg: 'EdDSA' | 'ES256';
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    keyRotationDays: number;
  };
  adminEmails: string[];
  /** Lets site verification fetch loopback/private addresses: tests and development only. */
  allowPrivateFetch: boolean;
  /** Enables the clearly marked demo top-up provider (development only). */
  demoTopUp: boolean;
  /**
   * The demo of `npm start` (never production): pages say so on every screen,
   * and a button ends the month now by moving the server's clock to the next
   * month (the demo clock, src/demo-month/) and running the real distribution.
   */
  demoMode: boolean;
  bodyLimit: string;
  /** Express's `trust proxy`: whose X-Forwarded-For is believed (per-IP limits count the client, not the proxy). */
  trustProxy: string | number;
  rateLimits: RateLimitConfig;
}

/** docs/security.md, "Rate limits". */
export interface RateLimitConfig {
  enabled: boolean;
  /** Requests per `windowSeconds`: per client IP (every request), per account and per credential (authenticated API requests). */
  windowSeconds: number;
  perIp: number;
  perAccount: number;
  perToken: number;
  login: {
    /** Consecutive failures of one account from one IP before each further attempt waits (1 s, 2 s, 4 s … up to maxDelaySeconds). */
    freeFailures: number;
    maxDelaySeconds: number;
    /** Failed logins per `windowSeconds` from one IP (any accounts), and for one account from clients it does not know. */
    ipFailures: number;
    accountFailures: number;
    windowSeconds: number;
    /** How long an account+IP with a successful login stays a known client (exempt from the per-account limit). */
    knownClientDays: number;
  };
  /** A limiter call slower than this (database slow or gone) falls back to a per-instance in-memory count. */
  storeTimeoutMs: number;
}

/** Reads and validates the environment; throws one error listing every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    mongodbUri: e.MONGODB_URI,
    mongodbDb: e.MONGODB_DB,
    mongodbTimeouts: { serverSelectionMs: e.MONGODB_SERVER_SELECTION_TIMEOUT_MS, socketMs: e.MONGODB_SOCKET_TIMEOUT_MS },
    currency: e.CURRENCY,
    feeBps: e.FEE_BPS,
    unclaimedMonths: e.UNCLAIMED_MONTHS,
    allowedOrigins: e.ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    jwt: {
      issuer: e.JWT_ISSUER ?? publicUrl,
      audience: e.JWT_AUDIENCE,
      alg: e.JWT_ALG,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
      keyRotationDays: e.KEY_ROTATION_DAYS,
    },
    adminEmails: e.ADMIN_EMAILS.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    allowPrivateFetch: e.ALLOW_PRIVATE_FETCH === 'true',
    demoTopUp: e.DEMO_TOPUP === 'true',
    demoMode: e.DEMO_MODE === 'true',
    bodyLimit: e.BODY_LIMIT,
    trustProxy: /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    rateLimits: {
      enabled: e.RATE_LIMITS === 'on',
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      perIp: e.RATE_LIMIT_IP,
      perAccount: e.RATE_LIMIT_ACCOUNT,
      perToken: e.RATE_LIMIT_TOKEN,
      login: {
        freeFailures: e.RATE_LIMIT_LOGIN_FREE_FAILURES,
        maxDelaySeconds: e.RATE_LIMIT_LOGIN_MAX_DELAY_SECONDS,
        ipFailures: e.RATE_LIMIT_LOGIN_IP_FAILURES,
        accountFailures: e.RATE_LIMIT_LOGIN_ACCOUNT_FAILURES,
        windowSeconds: e.RATE_LIMIT_LOGIN_WINDOW_SECONDS,
        knownClientDays: e.RATE_LIMIT_KNOWN_CLIENT_DAYS,
      },
      storeTimeoutMs: e.RATE_LIMIT_STORE_TIMEOUT_MS,
    },
  };
}
