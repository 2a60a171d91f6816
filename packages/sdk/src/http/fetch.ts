import { FlattrError } from '../errors.js';

/** The injected fetch, else the global one; a missing fetch fails saying how to fix it. */
export function fetchOf(injected?: typeof fetch): typeof fetch {
  const found = injected ?? globalThis.fetch;
  if (typeof found !== 'function') {
    throw new TypeError('@flattr/sdk: no fetch available. Pass one in the options ({ fetch }), or run on Node 18+ or a browser, which have a global fetch.');
  }
  // Window's fetch throws "Illegal invocation" when called as a method of another object.
  return injected ?? ((input, init) => globalThis.fetch(input, init));
}

export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function abortError(signal: AbortSignal): FlattrError {
  return new FlattrError('The request was aborted', { status: 0, code: 'aborted', cause: signal.reason });
}
