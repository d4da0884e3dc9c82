import { raceAbort, sleep, throwIfAborted } from './abort.ts';
import { backoffDelay, resolveRetry, type RetryOptions } from './backoff.ts';
import { defaultStore, isToken, type CacheStore } from './cache-store.ts';
import { GatehouseError } from './errors.ts';
import { refreshAt, resolvePolicy, usableUntil, type RefreshPolicy } from './policy.ts';
import type { CachingTokenProvider, GetTokenOptions, Token } from './token.ts';
import { systemClock, type Clock } from './clock.ts';

/** How a provider gets a fresh token; `current` is the newest token known (its refresh token, if any, is the live one). */
export type FetchToken = (current: Token | undefined, signal: AbortSignal) => Promise<Token>;

export interface CacheOptions extends Partial<RefreshPolicy> {
  /** Where tokens are kept; default: one in-memory store shared by the whole process. */
  cache?: CacheStore;
  retry?: Partial<RetryOptions>;
  /** Called when the cache store throws; the SDK then carries on as if the entry were missing. */
  onCacheError?: (error: unknown) => void;
  /** The time refresh points, expiry and backoff are measured by; default `clock.now()`. Tests step one instead of sleeping. */
  clock?: Clock;
}

/** One token request in flight for a key, however many callers wait for it. */
interface Flight {
  promise: Promise<Token>;
  controller: AbortController;
  waiters: number;
  /** Started to refresh a still-usable token: no caller owns it, so no caller's abort cancels it. */
  background: boolean;
}

// Single flight is per (store, key): providers that share a store and a key share the request too.
const flightsByStore = new WeakMap<CacheStore, Map<string, Flight>>();

function isRetryable(error: unknown): boolean {
  return error instanceof GatehouseError && error.retryable;
}

function newer(a: Token | undefined, b: Token | undefined): Token | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.issuedAt > a.issuedAt ? b : a;
}

/**
 * The caching rules of the SDK around any way of getting a token: serve the cached token until its refresh point,
 * refresh in the background while it is still usable (backing off after failures), and make callers wait only
 * when no usable token is left, with a bounded number of retries and a typed error at the end.
 */
export function cachedProvider(key: string, fetchToken: FetchToken, options: CacheOptions = {}): CachingTokenProvider {
  const store = options.cache ?? defaultStore;
  const policy = resolvePolicy({
    refreshRatio: options.refreshRatio,
    refreshBeforeMs: options.refreshBeforeMs,
    clockSkewMs: options.clockSkewMs,
  } as Partial<RefreshPolicy>);
  const retry = resolveRetry(options.retry);
  const clock = options.clock ?? systemClock;
  let flights = flightsByStore.get(store);
  if (!flights) flightsByStore.set(store, (flights = new Map()));
  const inFlight = flights;

  // This provider's copy of the token, with its two deadlines precomputed: the warm path is two comparisons.
  let current: Token | undefined;
  let currentRefreshAt = 0;
  let currentUsableUntil = 0;
  let failedFlights = 0;
  let nextBackgroundAttempt = 0;

  const reportCacheError = (error: unknown): void => {
    try { options.onCacheError?.(error); } catch { /* a broken hook must not break token delivery */ }
  };

  function adopt(token: Token | undefined): Token | undefined {
    const best = newer(current, token);
    if (best && best !== current) {
      current = best;
      currentRefreshAt = refreshAt(best, policy);
      currentUsableUntil = usableUntil(best, policy);
    }
    return current;
  }

  async function readStore(): Promise<Token | undefined> {
    try {
      const value = await store.get(key);
      return isToken(value) ? value : undefined;
    } catch (error) {
      reportCacheError(error);
      return undefined;
    }
  }

  async function writeStore(token: Token): Promise<void> {
    try {
      await store.set(key, token, usableUntil(token, policy) - clock.now());
    } catch (error) {
      reportCacheError(error);
    }
  }

  async function fetchWithRetries(signal: AbortSignal): Promise<Token> {
    // Another process may have refreshed (and rotated the refresh token) since we last looked.
    const base = newer(current, await readStore());
    for (let attempt = 1; ; attempt++) {
      try {
        const token = await fetchToken(base, signal);
        if (clock.now() >= usableUntil(token, policy)) {
          throw new GatehouseError('token_expired', 'The token endpoint issued a token that expires within the clock-skew allowance.');
        }
        await writeStore(token);
        return token;
      } catch (error) {
        if (attempt >= retry.attempts || signal.aborted || !isRetryable(error)) throw error;
        await sleep(backoffDelay(attempt, retry), signal);
      }
    }
  }

  function startFlight(background: boolean): Flight {
    const existing = inFlight.get(key);
    if (existing) return existing;
    const controller = new AbortController();
    const flight: Flight = { promise: undefined as unknown as Promise<Token>, controller, waiters: 0, background };
    flight.promise = fetchWithRetries(controller.signal).then(
      (token) => {
        failedFlights = 0;
        nextBackgroundAttempt = 0;
        return token;
      },
      (error: unknown) => {
        failedFlights++;
        nextBackgroundAttempt = clock.now() + backoffDelay(failedFlights, retry);
        throw error;
      },
    ).finally(() => {
      if (inFlight.get(key) === flight) inFlight.delete(key);
    });
    inFlight.set(key, flight);
    return flight;
  }

  async function waitForFlight(flight: Flight, signal: AbortSignal | undefined): Promise<Token> {
    flight.waiters++;
    try {
      return adopt(await raceAbort(flight.promise, signal))!;
    } finally {
      flight.waiters--;
      // The last caller who wanted this request gave up: stop it rather than finish it for nobody.
      if (flight.waiters === 0 && !flight.background && signal?.aborted) flight.controller.abort(signal.reason);
    }
  }

  function refreshInBackground(): void {
    if (inFlight.has(key) || clock.now() < nextBackgroundAttempt) return;
    // Failure is recorded by the flight (backoff); callers keep getting the still-usable token meanwhile.
    startFlight(true).promise.then(adopt, () => {});
  }

  async function getToken(options: GetTokenOptions = {}): Promise<Token> {
    const now = clock.now();
    if (!options.forceRefresh && current && now < currentRefreshAt) return current;
    throwIfAborted(options.signal);
    let stale: Token | undefined;
    if (!options.forceRefresh) {
      const best = adopt(await readStore());
      const later = clock.now();
      if (best && later < currentRefreshAt) return best;
      if (best && later < currentUsableUntil) {
        refreshInBackground();
        return best;
      }
      stale = best;
    }
    try {
      return await waitForFlight(startFlight(false), options.signal);
    } catch (error) {
      if (stale && error instanceof GatehouseError && error.code !== 'aborted') {
        // Never hand out a token past exp minus skew: say so, keeping the reason the refresh failed.
        throw new GatehouseError(error.code, `The cached token expired at ${new Date(stale.expiresAt).toISOString()} and could not be renewed: ${error.message}`, {
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.description === undefined ? {} : { description: error.description }),
          cause: error,
        });
      }
      throw error;
    }
  }

  async function invalidate(accessToken?: string): Promise<void> {
    if (current && (accessToken === undefined || current.accessToken === accessToken)) {
      current = undefined;
      currentRefreshAt = 0;
      currentUsableUntil = 0;
    }
    try {
      const stored = await store.get(key);
      if (isToken(stored) && (accessToken === undefined || stored.accessToken === accessToken)) await store.delete(key);
    } catch (error) {
      reportCacheError(error);
    }
  }

  return { getToken, invalidate };
}

/** A cache key names everything that makes two tokens different, and no secret. */
export function cacheKey(parts: Array<string | undefined>): string {
  return `gatehouse:${JSON.stringify(parts.map((part) => part ?? null))}`;
}
