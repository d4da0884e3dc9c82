import type { CacheOptions } from '../cached-provider.ts';
import type { FetchLike } from '../http.ts';

/** Options every network-backed provider takes. */
export interface ProviderOptions extends CacheOptions {
  /** The Gatehouse base URL, e.g. `https://auth.example.com`; endpoints are discovered from it. */
  issuer: string;
  /** Skips discovery. */
  tokenEndpoint?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Per token request; default 10 s. */
  timeoutMs?: number;
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} is required and must be a non-empty string`);
  return value;
}

/** Scopes may be given as a list; on the wire they are one space-separated string (RFC 6749 §3.3). */
export function scopeString(scope: string | string[] | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const joined = Array.isArray(scope) ? scope.join(' ') : scope;
  return joined.trim() === '' ? undefined : joined.trim();
}
