// Public keys fetched from a URL (a client's jwks_uri, a trusted issuer's JWKS or discovery document), cached per
// URL. What it caches: the last good key set of each URL, for `cacheMs`. What refreshes it: its age, or a caller
// that met an unknown kid, at most once per `cooldownMs` per URL. A URL that hangs, answers 5xx or returns junk
// costs one timed-out fetch per cooldown, shared by every request waiting on it; it never blocks other URLs,
// and the last good keys (if any) keep being served meanwhile. Defaults as jose's remote JWKS: 5 s timeout,
// 30 s cooldown, 10 min cache.
import type { JWK } from 'jose';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { keyUrlProblem } from '../crypto/public-keys.ts';

// Where the client-assertion keys' rules live (the domain checks registered keys by them too).
export { ASSERTION_ALGS, keyUrlProblem, pinnedAlg } from '../crypto/public-keys.ts';

export interface RemoteJwksOptions {
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMs: number;
  readonly maxBytes: number;
  readonly maxEntries: number;
}

export const REMOTE_JWKS_DEFAULTS: RemoteJwksOptions = Object.freeze({ timeoutMs: 5_000, cooldownMs: 30_000, cacheMs: 600_000, maxBytes: 64 * 1024, maxEntries: 1_000 });

/** A fetch that failed, with a message fit for a client's error_description (names the check, not the body). */
export class JwksFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksFetchError';
  }
}

interface Entry {
  value: unknown;
  fetchedAt: number;
  lastAttempt: number;
  error: string | undefined;
  inflight: Promise<void> | undefined;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export class RemoteJwksCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: RemoteJwksOptions;
  readonly #clock: Clock;
  readonly #fetch: FetchLike;

  constructor(options: Partial<RemoteJwksOptions> = {}, clock: Clock = systemClock, fetchImpl: FetchLike = (u, i) => fetch(u, i)) {
    this.#options = Object.freeze({ ...REMOTE_JWKS_DEFAULTS, ...options });
    this.#clock = clock;
    this.#fetch = fetchImpl;
  }

  /** The key set at `url`; `refresh` asks for a fresh copy (an unknown kid), granted once per cooldown. */
  keys(url: string, options: { refresh?: boolean } = {}): Promise<JWK[]> {
    return this.#cached(`k ${url}`, url, parseJwks, options.refresh === true);
  }

  /** The jwks_uri of an OpenID provider, from its discovery document (whose `issuer` must be `issuer`). */
  async discoveredJwksUri(issuer: string, options: { refresh?: boolean } = {}): Promise<string> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    return this.#cached(`d ${url}`, url, (text) => parseDiscovery(text, issuer), options.refresh === true);
  }

  async #cached<T>(key: string, url: string, parse: (text: string) => T, refresh: boolean): Promise<T> {
    const now = this.#clock.now();
    let e = this.#entries.get(key);
    if (!e) {
      if (this.#entries.size >= this.#options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      e = { value: undefined, fetchedAt: 0, lastAttempt: -Infinity, error: undefined, inflight: undefined };
      this.#entries.set(key, e);
    }
    const stale = e.value === undefined || now - e.fetchedAt >= this.#options.cacheMs || refresh;
    if (stale && !e.inflight && now - e.lastAttempt >= this.#options.cooldownMs) {
      e.lastAttempt = now;
      const entry = e;
      entry.inflight = this.#load(url)
        .then((text) => {
          entry.value = parse(text);
          entry.fetchedAt = this.#clock.now();
          entry.error = undefined;
        })
        .catch((err: unknown) => {
          entry.error = err instanceof JwksFetchError ? err.message : 'the key set could not be fetched';
        })
        .finally(() => {
          entry.inflight = undefined;
        });
    }
    if (e.inflight && (e.value === undefined || refresh)) await e.inflight;
    if (e.value === undefined) throw new JwksFetchError(e.error ?? 'the key set could not be fetched');
    return e.value as T;
  }

  async #load(url: string): Promise<string> {
    const problem = keyUrlProblem(url);
    if (problem) throw new JwksFetchError(`the key URL ${problem}`);
    let res: Response;
    try {
      // Redirects are not followed: a key URL answers itself, or not at all.
      res = await this.#fetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.#options.timeoutMs) });
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
      throw new JwksFetchError(timedOut ? 'fetching the key set timed out' : 'the key set could not be fetched');
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new JwksFetchError(`the key set URL answered ${res.status}`);
    }
    return readLimited(res, this.#options.maxBytes, this.#options.timeoutMs);
  }
}

function parseDiscovery(text: string, issuer: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new JwksFetchError('the discovery document is not JSON');
  }
  const doc = v as { issuer?: unknown; jwks_uri?: unknown } | null;
  if (doc?.issuer !== issuer) throw new JwksFetchError('the discovery document names another issuer');
  if (typeof doc.jwks_uri !== 'string') throw new JwksFetchError('the discovery document has no jwks_uri');
  const problem = keyUrlProblem(doc.jwks_uri);
  if (problem) throw new JwksFetchError(`the discovered jwks_uri ${problem}`);
  return doc.jwks_uri;
}

async function readLimited(res: Response, maxBytes: number, timeoutMs: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const deadline = setTimeout(() => void reader.cancel().catch(() => undefined), timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new JwksFetchError('the key set is too large');
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof JwksFetchError) throw err;
    throw new JwksFetchError('reading the key set failed');
  } finally {
    clearTimeout(deadline);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JWK Set (RFC 7517 §5) of public keys; private members are refused rather than used. */
export function parseJwks(text: string): JWK[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new JwksFetchError('the key set is not JSON');
  }
  const keys = (v as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new JwksFetchError('the key set has no "keys" array');
  return keys.filter((k): k is JWK => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string' && !('d' in k) && !('k' in k));
}
