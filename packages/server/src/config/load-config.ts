import SEPA from 'sepa';
import { z } from 'zod';

/** Largest configurable amount (10 million units of a two-decimal currency), as deposits allow. */
const MAX_AMOUNT = 10_000_000_00;

/** Currencies whose Stripe amounts are not ISO minor units (Stripe's docs, "Special cases"). */
const ZERO_DECIMAL_EXCEPTIONS = new Set(['ISK', 'HUF', 'TWD', 'UGX']);

const OPTIONAL_WHEN_EMPTY = new Set(['SEPA_DEBTOR_NAME', 'SEPA_DEBTOR_IBAN', 'SEPA_DEBTOR_BIC', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE', 'SMTP_URL', 'MAIL_FROM', 'EMAIL_VERIFICATION']);

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).default('flattr'),
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
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_+/=]+$/, 'must be a webhook signing secret (whsec_…)').optional(),
  STRIPE_API_BASE: z.url().optional(),
  TOPUP_MIN: z.coerce.number().int().min(1).max(MAX_AMOUNT).default(500),
  TOPUP_MAX: z.coerce.number().int().min(1).max(MAX_AMOUNT).default(500_00),
  PAYOUT_AUTO_THRESHOLD: z.coerce.number().int().min(0).max(MAX_AMOUNT).default(0),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.org:465').optional(),
  MAIL_FROM: z.string().min(3).max(200).optional(),
  EMAIL_VERIFICATION: z.enum(['required', 'off']).optional(),
  DEV_MAIL_OUTBOX: z.enum(['true', 'false']).default('false'),
  SEPA_DEBTOR_NAME: z.string().trim().min(1).max(70).optional(),
  SEPA_DEBTOR_IBAN: z.string().transform((v) => v.replace(/\s+/g, '').toUpperCase()).refine((v) => SEPA.validateIBAN(v), 'must be a valid IBAN').optional(),
  SEPA_DEBTOR_BIC: z.string().regex(/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'must be a BIC such as GENODEM1GLS').optional(),
}).superRefine((e, issue) => {
  if (Boolean(e.STRIPE_SECRET_KEY) !== Boolean(e.STRIPE_WEBHOOK_SECRET)) {
    const missing = e.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY';
    issue.addIssue({ code: 'custom', path: [missing], message: 'Stripe needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or neither: the provider is then off)' });
  }
  if (e.STRIPE_SECRET_KEY && /_live_/.test(e.STRIPE_SECRET_KEY) && e.STRIPE_API_BASE && new URL(e.STRIPE_API_BASE).hostname !== 'api.stripe.com') {
    issue.addIssue({ code: 'custom', path: ['STRIPE_API_BASE'], message: 'a live key is only ever sent to api.stripe.com' });
  }
  if (e.STRIPE_SECRET_KEY && ZERO_DECIMAL_EXCEPTIONS.has(e.CURRENCY ?? 'EUR')) {
    issue.addIssue({ code: 'custom', path: ['CURRENCY'], message: 'Stripe counts this currency in other units than its ISO minor unit: not supported with Stripe' });
  }
  if (Boolean(e.SEPA_DEBTOR_NAME) !== Boolean(e.SEPA_DEBTOR_IBAN)) {
    issue.addIssue({ code: 'custom', path: [e.SEPA_DEBTOR_NAME ? 'SEPA_DEBTOR_IBAN' : 'SEPA_DEBTOR_NAME'], message: 'the SEPA export needs both SEPA_DEBTOR_NAME and SEPA_DEBTOR_IBAN (or neither)' });
  }
  if (e.SEPA_DEBTOR_IBAN && (e.CURRENCY ?? 'EUR') !== 'EUR') issue.addIssue({ code: 'custom', path: ['SEPA_DEBTOR_IBAN'], message: 'SEPA credit transfers are in EUR: CURRENCY must be EUR' });
  if (e.TOPUP_MIN > e.TOPUP_MAX) issue.addIssue({ code: 'custom', path: ['TOPUP_MIN'], message: 'must not be above TOPUP_MAX' });
  if (e.SMTP_URL && !e.MAIL_FROM) issue.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required with SMTP_URL (the sender, e.g. "Flattr <noreply@example.org>")' });
  if (e.SMTP_URL && e.DEV_MAIL_OUTBOX === 'true') issue.addIssue({ code: 'custom', path: ['DEV_MAIL_OUTBOX'], message: 'is for development without SMTP: unset SMTP_URL or DEV_MAIL_OUTBOX' });
  if (e.EMAIL_VERIFICATION === 'required' && !e.SMTP_URL && e.DEV_MAIL_OUTBOX !== 'true') {
    issue.addIssue({ code: 'custom', path: ['EMAIL_VERIFICATION'], message: 'required needs a way to send mail: set SMTP_URL' });
  }
});

/** Stripe settings; null when the Stripe provider is off (no keys). */
export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /** `live` keys move real money; `test` keys only Stripe's test mode. */
  mode: 'test' | 'live';
  /** Where the API is (https://api.stripe.com unless a test points it at stripe-mock). */
  apiBase: string | null;
}

export interface MailConfig {
  /** How mail leaves: an SMTP server, the development outbox (logged, listed at /dev/mail), or not at all. */
  transport: 'smtp' | 'dev-outbox' | 'none';
  smtpUrl: string | null;
  from: string;
}

export interface Config {
  port: number;
  host: string;
  /** The service's own origin as readers see it; tokens' `iss`, links in pages. */
  publicUrl: string;
  mongodbUri: string;
  mongodbDb: string;
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
  /** Card top-ups and Connect payouts; null: the Stripe provider is off. */
  stripe: StripeConfig | null;
  /** Bounds of one top-up, minor units. */
  topUp: { min: number; max: number };
  /** A creator with a ready Stripe account is paid out automatically once the wallet holds this much; 0: never (every payout waits for an admin). */
  payoutAutoThreshold: number;
  mail: MailConfig;
  /** The operator's account for the SEPA credit-transfer export of manual payouts; null: no SEPA export. */
  sepa: { name: string; iban: string; bic: string | null } | null;
  /** Unverified accounts may click but not request payouts or connect a payout account. Required whenever mail can be sent. */
  emailVerificationRequired: boolean;
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
  // An empty value of an optional setting means "not set" (e.g. `STRIPE_SECRET_KEY=` in an env file).
  const given = Object.fromEntries(Object.entries(env).filter(([key, value]) => !(OPTIONAL_WHEN_EMPTY.has(key) && value === '')));
  const parsed = schema.safeParse(given);
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
    stripe: e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
      ? {
        secretKey: e.STRIPE_SECRET_KEY,
        webhookSecret: e.STRIPE_WEBHOOK_SECRET,
        mode: /_live_/.test(e.STRIPE_SECRET_KEY) ? 'live' : 'test',
        apiBase: e.STRIPE_API_BASE ?? null,
      }
      : null,
    topUp: { min: e.TOPUP_MIN, max: e.TOPUP_MAX },
    payoutAutoThreshold: e.PAYOUT_AUTO_THRESHOLD,
    mail: {
      transport: e.SMTP_URL ? 'smtp' : e.DEV_MAIL_OUTBOX === 'true' ? 'dev-outbox' : 'none',
      smtpUrl: e.SMTP_URL ?? null,
      from: e.MAIL_FROM ?? `Flattr <noreply@${new URL(publicUrl).hostname}>`,
    },
    sepa: e.SEPA_DEBTOR_NAME && e.SEPA_DEBTOR_IBAN ? { name: e.SEPA_DEBTOR_NAME, iban: e.SEPA_DEBTOR_IBAN, bic: e.SEPA_DEBTOR_BIC ?? null } : null,
    emailVerificationRequired: (e.EMAIL_VERIFICATION ?? (e.SMTP_URL || e.DEV_MAIL_OUTBOX === 'true' ? 'required' : 'off')) === 'required',
  };
}
