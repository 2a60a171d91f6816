import Stripe from 'stripe';
import type { Config } from '../config/index.js';
import { AppError } from '../errors/index.js';

const clients = new WeakMap<object, Stripe>();

/** Whether this deployment has Stripe keys (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET). */
export function stripeEnabled(config: Config): boolean {
  return config.stripe !== null;
}

/**
 * The `stripe` package's client for this deployment, created once per
 * configuration. `STRIPE_API_BASE` points it elsewhere than api.stripe.com
 * (the tests' stripe-mock on loopback; config refuses that for live keys).
 * Network retries are the package's own (with its idempotency keys on POSTs).
 */
export function stripeClient(ctx: { config: Config }): Stripe {
  const settings = ctx.config.stripe;
  if (!settings) throw new AppError(403, 'stripe_not_configured', 'Stripe is not configured on this service (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)');
  let client = clients.get(ctx.config);
  if (!client) {
    const base = settings.apiBase ? new URL(settings.apiBase) : null;
    client = new Stripe(settings.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: 'open-flattr' },
      telemetry: false,
      ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol.replace(':', '') as 'http' | 'https' } : {}),
    });
    clients.set(ctx.config, client);
  }
  return client;
}

/** The API version of the `stripe` package: webhook endpoints must be created with it (docs/deposits.md). */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

export { Stripe };
