/**
 * Where the SDK keeps tokens. Memory by default; pass `localStorageAdapter()`
 * in a browser to survive reloads, or your own (a keychain, a file, a cookie
 * jar). Methods may return promises.
 */
export interface TokenStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

export function memoryStorage(): TokenStorage {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value),
    delete: (key) => void values.delete(key),
  };
}

/** `window.localStorage` (or any Web Storage) as TokenStorage. */
export function localStorageAdapter(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = globalThis.localStorage): TokenStorage {
  if (!storage) throw new TypeError('@flattr/sdk: localStorageAdapter() needs window.localStorage; outside a browser pass a storage object or use memoryStorage().');
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    delete: (key) => storage.removeItem(key),
  };
}

/** Storage keys, per service origin so one storage can serve several services. */
export const storageKeys = {
  session: (origin: string) => `flattr:session:${origin}`,
  /** The same key the widget uses (docs: widget protocol), so both see one site token. */
  siteToken: (origin: string) => `flattr:site-token:${origin}`,
  oauth: (origin: string, state: string) => `flattr:oauth:${origin}:${state}`,
};
