import type { Token } from './token.ts';
import { systemClock, type Clock } from './clock.ts';

/**
 * Where tokens live between calls. Every method may return a promise, so a Redis or file store fits;
 * share one store between processes and they share one token per key (see the README for both examples).
 * Keys contain the issuer, client, user, audience and scope, never a secret. Values are plain JSON-safe objects.
 */
export interface CacheStore {
  get(key: string): Token | undefined | Promise<Token | undefined>;
  /** `ttlMs` is how long the token stays usable; a store may drop the entry after that. */
  set(key: string, value: Token, ttlMs: number): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

/** The built-in store: a Map with expiry. Synchronous, so the warm path never waits on I/O. */
export function memoryStore(options: { clock?: Clock } = {}): CacheStore {
  const clock = options.clock ?? systemClock;
  const entries = new Map<string, { value: Token; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= clock.now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value, ttlMs) {
      entries.set(key, { value, expiresAt: clock.now() + Math.max(0, ttlMs) });
    },
    delete(key) {
      entries.delete(key);
    },
  };
}

/** Shared by every provider that is not given a store: two providers with the same key share one token. */
export const defaultStore: CacheStore = memoryStore();

/** A value read back from a shared store could be anything; accept only what looks like a Token. */
export function isToken(value: unknown): value is Token {
  if (value === null || typeof value !== 'object') return false;
  const token = value as Partial<Token>;
  return typeof token.accessToken === 'string' && typeof token.expiresAt === 'number' && typeof token.issuedAt === 'number';
}
