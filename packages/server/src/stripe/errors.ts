import Stripe from 'stripe';
import { AppError } from '../errors/index.js';

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

/**
 * What a route answers when Stripe failed it: 502 `stripe_unavailable`.
 * Stripe's own status is never the client's (its 401 means this server's
 * key is bad, not the reader's token; its 404 an object this server named).
 */
export function stripeUnavailable(error: Stripe.errors.StripeError): AppError {
  return new AppError(502, 'stripe_unavailable', `Stripe could not do what this request needs right now; try again later (${error.type}${error.statusCode ? ` ${error.statusCode}` : ''})`);
}

/** The 502 of every route that asks Stripe, for its OpenAPI responses. */
export const STRIPE_UNAVAILABLE_RESPONSE = {
  description: '`stripe_unavailable`: Stripe failed what this request needs (unreachable, or refusing this server\'s request); try again later',
} as const;
