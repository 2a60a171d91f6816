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

/** Any error of the `stripe` package: Stripe answered an error, or could not be reached. */
export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/**
 * A 4xx from Stripe is its final word on this request (an unknown object, a
 * refused transfer); anything else (network, 5xx, rate limit) may work when
 * tried again.
 */
export function isDefinitiveStripeRefusal(error: unknown): boolean {
  return isStripeError(error)
    && (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripePermissionError)
    && (error.statusCode ?? 0) >= 400 && (error.statusCode ?? 0) < 500;
}

/** The 502 of every route that asks Stripe, for its OpenAPI responses (what `stripeFailureOf` answers). */
export const STRIPE_FAILURE_RESPONSE = {
  description: '`stripe_unavailable`: Stripe did not answer (try again after Retry-After); `stripe_error`: Stripe refused the request',
} as const;
