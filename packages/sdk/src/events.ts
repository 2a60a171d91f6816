import type { FlattrError } from './errors.js';
import type { Flattr } from './types.js';

export interface FlattrEvents {
  /** A flattr was recorded (`created`: first flattr of this thing this period). */
  flattr: { flattr: Flattr; created: boolean };
  /** A flattr was withdrawn. */
  withdraw: { id: string };
  /** A call failed for good (after any retries). */
  error: FlattrError;
  /** A call is about to be retried after `delayMs`. */
  retry: { attempt: number; delayMs: number; error: FlattrError };
  /** The signed-in session changed (login, refresh, logout). */
  session: { signedIn: boolean };
}

export type Listener<T> = (payload: T) => void;

/** A tiny typed emitter; a throwing listener never breaks the call that emitted. */
export class Emitter<Events> {
  private listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => void set.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        queueMicrotask(() => { throw error; });
      }
    }
  }
}
