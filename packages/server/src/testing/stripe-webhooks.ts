import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/** The webhook secret the tests configure (STRIPE_WEBHOOK_SECRET). */
export const TEST_WEBHOOK_SECRET = 'whsec_test_flattr_webhooks_0123456789';

/** A Stripe event as Stripe sends it: `data.object` is the API object (typed by the `stripe` package where the caller wants). */
export function stripeEvent(type: string, object: Record<string, unknown>, options: { id?: string; livemode?: boolean; created?: number } = {}) {
  return {
    id: options.id ?? `evt_test_${randomBytes(8).toString('hex')}`,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: options.created ?? Math.floor(Date.now() / 1000),
    livemode: options.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/**
 * POSTs an event to the server's webhook endpoint, signed with Stripe's real
 * scheme (`stripe.webhooks.generateTestHeaderString`: HMAC-SHA256 over
 * `timestamp.payload`). `secret`, `timestamp` and `tamper` make bad deliveries.
 */
export async function deliverStripeEvent(
  baseUrl: string,
  event: object,
  options: { secret?: string; timestamp?: number; tamper?: (payload: string) => string; signature?: string | null } = {},
): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(event);
  const header = options.signature === undefined
    ? Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? TEST_WEBHOOK_SECRET, timestamp: options.timestamp })
    : options.signature;
  const res = await fetch(`${baseUrl}/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...(header === null ? {} : { 'stripe-signature': header }) },
    body: options.tamper ? options.tamper(payload) : payload,
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body };
}

/** The server environment for Stripe against the test's stripe-mock. */
export function stripeTestEnv(stripeMockUrl: string): Record<string, string> {
  return { STRIPE_SECRET_KEY: 'sk_test_flattr123', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, STRIPE_API_BASE: stripeMockUrl };
}
