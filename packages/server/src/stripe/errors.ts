import Stripe from 'stripe';
import { AppError } from '../errors/index.js';

/** Seconds a client should wait before trying again when Stripe did not answer. */
const STRIPE_RETRY_AFTER_SECONDS = 30;

/**
 * An error of the `stripe` package that reached the error middleware (a route
 * or page asked Stripe and Stripe did not answer, or refused in a way the
 * route does not handle) → a 502 AppError naming Stripe: the failure is the
 * upstream's, not this service's and not the client's, so never a bare 500.
 * `stripe_unavailable` (with Retry-After) when trying again may work
 * (connection, Stripe's 5xx, its rate limit); `stripe_error` otherwise (a key
 * Stripe refuses, a request it finds invalid: the operator's to look at, so
 * the middleware still logs it). Undefined for anything else.
 */
export function stripeFailureOf(error: unknown): AppError | undefined {
  if (!(error instanceof Stripe.errors.StripeError)) return undefined;
  const transient = error instanceof Stripe.errors.StripeConnectionError
    || error instanceof Stripe.errors.StripeAPIError
    || error instanceof Stripe.errors.StripeRateLimitError;
  if (transient) {
    const failure = new AppError(502, 'stripe_unavailable', 'Stripe did not answer; try again shortly');
    failure.headers['Retry-After'] = String(STRIPE_RETRY_AFTER_SECONDS);
    return failure;
  }
  return new AppError(502, 'stripe_error', `Stripe refused the request (${error.type}${error.code ? `: ${error.code}` : ''})`);
}
